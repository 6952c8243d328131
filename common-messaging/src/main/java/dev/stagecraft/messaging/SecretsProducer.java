package dev.stagecraft.messaging;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.events.secrets.SecretBox;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * The keys that seal secret values, shared by the gateway (which seals) and the services that start containers
 * (which open). {@code STAGECRAFT_SECRETS_KEY}, base64 of 32 random bytes and the same in every service, seals;
 * {@code STAGECRAFT_SECRETS_PREVIOUS_KEYS} (comma-separated) opens what older keys sealed while a rotation is under way.
 * Without a key a service refuses to start, except in the test and dev profiles, which use a published key.
 */
@ApplicationScoped
public class SecretsProducer {

    public static final String DEVELOPMENT_KEY = "c3RhZ2VjcmFmdC1kZXZlbG9wbWVudC1rZXktMDAwMDA=";
    private static final Logger LOG = Logger.getLogger(SecretsProducer.class);

    @Inject
    MessagingConfig config;

    /** A service without its key stops at start-up, not at the first secret it meets. */
    void onStart(@Observes StartupEvent event, SecretBox box) {
        box.keyId();
    }

    @Produces
    @ApplicationScoped
    SecretBox secretBox() {
        MessagingConfig.Secrets secrets = config.secrets();
        return box(secrets.key(), secrets.previousKeys().orElse(List.of()), LaunchMode.current(), secrets.required());
    }

    static SecretBox box(Optional<String> key, List<String> previous, LaunchMode mode) {
        return box(key, previous, mode, true);
    }

    static SecretBox box(Optional<String> key, List<String> previous, LaunchMode mode, boolean required) {
        if (key.isEmpty() || key.get().isBlank()) {
            if (!required) {
                // a key nobody knows: nothing this service could be made to open would open
                byte[] random = new byte[32];
                new java.security.SecureRandom().nextBytes(random);
                LOG.info("no sealing key: this service seals and opens no secret values");
                return SecretBox.fromBase64(java.util.Base64.getEncoder().encodeToString(random));
            }
            if (mode == LaunchMode.NORMAL) {
                throw new IllegalStateException("STAGECRAFT_SECRETS_KEY is not set: set it to base64 of 32 random bytes"
                        + " (head -c 32 /dev/urandom | base64), the same in every service; it seals the secret values"
                        + " of applications and environments");
            }
            LOG.warnf("secret values are sealed with the published development key (%s profile)", mode.getProfileKey());
            return SecretBox.fromBase64(DEVELOPMENT_KEY, previous);
        }
        SecretBox box = SecretBox.fromBase64(key.get(), previous);
        LOG.infof("secret values are sealed with key %s%s", box.keyId(),
                previous.isEmpty() ? "" : " (" + previous.size() + " previous keys open older values)");
        return box;
    }
}

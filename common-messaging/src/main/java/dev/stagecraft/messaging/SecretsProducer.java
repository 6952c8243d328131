package dev.stagecraft.messaging;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.stagecraft.events.secrets.SecretBox;

/**
 * The key that seals secret variables, shared by the gateway (which seals) and the services that start containers
 * (which open). Set {@code STAGECRAFT_SECRETS_KEY} to base64 of 32 random bytes in every service; without it a
 * published development key is used and a warning says so.
 */
@ApplicationScoped
public class SecretsProducer {

    static final String DEVELOPMENT_KEY = "c3RhZ2VjcmFmdC1kZXZlbG9wbWVudC1rZXktMDAwMDA=";
    private static final Logger LOG = Logger.getLogger(SecretsProducer.class);

    @ConfigProperty(name = "stagecraft.secrets.key", defaultValue = DEVELOPMENT_KEY)
    String key;

    @Produces
    @ApplicationScoped
    SecretBox secretBox() {
        if (DEVELOPMENT_KEY.equals(key)) {
            LOG.warn("secret variables are sealed with the development key; set STAGECRAFT_SECRETS_KEY (base64 of 32 "
                    + "random bytes, the same in every service) for real use");
        }
        return SecretBox.fromBase64(key);
    }
}

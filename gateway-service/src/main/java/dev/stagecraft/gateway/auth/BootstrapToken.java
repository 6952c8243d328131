package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;

/**
 * The first admin token: when {@code STAGECRAFT_ADMIN_TOKEN} is set, a token with that text and the admin role exists
 * from start-up on (created once, kept as a hash). Use it to create the real tokens, then unset it and revoke it.
 */
@ApplicationScoped
public class BootstrapToken {

    static final String ID = "bootstrap-admin";
    private static final Logger LOG = Logger.getLogger(BootstrapToken.class);

    @ConfigProperty(name = "stagecraft.admin-token")
    Optional<String> adminToken;

    void onStart(@Observes StartupEvent event) {
        if (adminToken.isEmpty() || adminToken.get().isBlank()) {
            return;
        }
        if (adminToken.get().length() < 16) {
            throw new IllegalStateException("STAGECRAFT_ADMIN_TOKEN must have at least 16 characters");
        }
        QuarkusTransaction.requiringNew().run(() -> {
            String hash = ApiToken.hash(adminToken.get());
            if (ApiToken.count("tokenHash", hash) > 0) {
                return;
            }
            ApiToken.deleteById(ID);
            ApiToken token = new ApiToken();
            token.id = ID;
            token.name = "bootstrap admin (STAGECRAFT_ADMIN_TOKEN)";
            token.role = Role.ADMIN;
            token.tokenHash = hash;
            token.createdAt = OffsetDateTime.now();
            token.persist();
            LOG.info("bootstrap admin token from STAGECRAFT_ADMIN_TOKEN is active");
        });
    }
}

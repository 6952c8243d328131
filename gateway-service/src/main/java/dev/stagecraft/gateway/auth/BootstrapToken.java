package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;

import dev.stagecraft.gateway.config.GatewayConfig;

/**
 * The first admin token: when {@code STAGECRAFT_ADMIN_TOKEN} is set and no admin token exists, a token with that text
 * and the admin role is created (kept as a hash). Use it to create the real tokens, then revoke it: once another admin
 * token exists, a revoked bootstrap token is never created again, even if the variable is still set.
 */
@ApplicationScoped
public class BootstrapToken {

    public static final String ID = "bootstrap-admin";
    private static final Logger LOG = Logger.getLogger(BootstrapToken.class);

    @Inject
    GatewayConfig config;

    void onStart(@Observes StartupEvent event) {
        ensure();
    }

    /** Creates the bootstrap token if the variable is set and no admin token exists; what every start-up does. */
    public void ensure() {
        if (config.adminToken().isEmpty() || config.adminToken().get().isBlank()) {
            return;
        }
        if (config.adminToken().get().length() < 16) {
            throw new IllegalStateException("STAGECRAFT_ADMIN_TOKEN must have at least 16 characters");
        }
        QuarkusTransaction.requiringNew().run(() -> {
            String hash = ApiToken.hash(config.adminToken().get());
            if (ApiToken.count("tokenHash", hash) > 0) {
                return;
            }
            if (ApiToken.count("role", Role.ADMIN) > 0) {
                // admins exist: the bootstrap token was revoked or replaced, and that stays so
                LOG.info("STAGECRAFT_ADMIN_TOKEN is ignored: admin tokens exist (it only creates the first one)");
                return;
            }
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

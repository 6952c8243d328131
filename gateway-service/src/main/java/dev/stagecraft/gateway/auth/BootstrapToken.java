package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;

import dev.stagecraft.gateway.config.GatewayConfig;

/**
 * The first admin token: when {@code STAGECRAFT_ADMIN_TOKEN} is set on an installation that never had an admin token,
 * a token with that text and the admin role is created (kept as a hash), once. Use it to create the real tokens, then
 * revoke it: revoking it is final, even if the variable is still set and no admin token is left. The table
 * {@code bootstrap_admin} records that it was made; an operator who lost every admin token deletes its row.
 */
@ApplicationScoped
public class BootstrapToken {

    public static final String ID = "bootstrap-admin";
    private static final Logger LOG = Logger.getLogger(BootstrapToken.class);

    @Inject
    GatewayConfig config;

    @Inject
    EntityManager em;

    void onStart(@Observes StartupEvent event) {
        ensure();
    }

    /** Creates the bootstrap token if the variable is set and none was ever made; what every start-up does. */
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
                markMade();
                return;
            }
            Object madeAt = em.createNativeQuery("select max(created_at) from bootstrap_admin").getSingleResult();
            if (madeAt != null) {
                LOG.infof("STAGECRAFT_ADMIN_TOKEN is ignored: the bootstrap admin token was made on %s and revoked"
                        + " since, which is final (to start over with no admin token left, delete the row of"
                        + " bootstrap_admin)", madeAt);
                return;
            }
            if (ApiToken.count("role", Role.ADMIN) > 0) {
                markMade();
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
            markMade();
            LOG.info("bootstrap admin token from STAGECRAFT_ADMIN_TOKEN is active");
        });
    }

    private void markMade() {
        em.createNativeQuery("insert into bootstrap_admin values (1, now()) on conflict do nothing").executeUpdate();
    }
}

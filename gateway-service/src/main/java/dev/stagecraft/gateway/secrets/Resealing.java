package dev.stagecraft.gateway.secrets;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.Environment;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Moves every stored secret to the current sealing key after a rotation: applications' webhook secrets (also sealing
 * any still stored in clear text from before they were sealed at rest) and secret variables, and the secret values
 * frozen in environments' specs. Works in batches of 100 rows, one transaction each, and can be run again at any
 * time: a value already under the current key is left as it is.
 */
@ApplicationScoped
public class Resealing {

    private static final Logger LOG = Logger.getLogger(Resealing.class);
    private static final int BATCH = 100;

    @Inject
    SecretBox secrets;

    /** What one run changed. */
    public record Result(String keyId, int webhookSecrets, int applicationVariables, int environments) {
    }

    public Result run() {
        return run(secrets);
    }

    /** With {@code box} as the sealing key ring (its current key seals, its previous keys open). */
    public Result run(SecretBox box) {
        int webhooks = 0;
        int variables = 0;
        String after = "";
        while (true) {
            String from = after;
            List<String> apps = QuarkusTransaction.requiringNew().call(() -> Application.getEntityManager()
                    .createQuery("select a.id from Application a where a.id > ?1 order by a.id", String.class)
                    .setParameter(1, from).setMaxResults(BATCH).getResultList());
            if (apps.isEmpty()) {
                break;
            }
            int[] changed = QuarkusTransaction.requiringNew().call(() -> {
                int w = 0;
                int v = 0;
                for (String id : apps) {
                    Application app = Application.findById(id);
                    if (app == null) {
                        continue;
                    }
                    String webhook = SecretBox.isSealed(app.webhookSecret) ? box.reseal(app.webhookSecret)
                            : box.seal(app.webhookSecret);
                    if (webhook != null && !webhook.equals(app.webhookSecret)) {
                        app.webhookSecret = webhook;
                        w++;
                    }
                    String vars = box.reseal(app.environmentVariables);
                    if (vars != null && !vars.equals(app.environmentVariables)) {
                        app.environmentVariables = vars;
                        v++;
                    }
                }
                return new int[] {w, v};
            });
            webhooks += changed[0];
            variables += changed[1];
            after = apps.get(apps.size() - 1);
        }
        int environments = 0;
        after = "";
        while (true) {
            String from = after;
            List<String> ids = QuarkusTransaction.requiringNew().call(() -> Environment.getEntityManager()
                    .createQuery("select e.id from Environment e where e.id > ?1 order by e.id", String.class)
                    .setParameter(1, from).setMaxResults(BATCH).getResultList());
            if (ids.isEmpty()) {
                break;
            }
            environments += QuarkusTransaction.requiringNew().call(() -> {
                int n = 0;
                for (String id : ids) {
                    Environment env = Environment.findById(id);
                    if (env != null && env.spec != null && resealSpec(env, box)) {
                        n++;
                    }
                }
                return n;
            });
            after = ids.get(ids.size() - 1);
        }
        Result result = new Result(box.keyId(), webhooks, variables, environments);
        LOG.infof("secrets resealed with key %s: %d webhook secrets, %d applications' variables, %d environments",
                box.keyId(), webhooks, variables, environments);
        return result;
    }

    /**
     * Reseals the values in the environment's frozen spec. Its hash changes with the sealed text; a deployed spec
     * that was this very spec stays recorded as deployed, so the next push is still a patch.
     */
    private static boolean resealSpec(Environment env, SecretBox box) {
        String resealed = box.resealAll(env.spec);
        if (resealed.equals(env.spec)) {
            return false;
        }
        String oldHash = env.specHash;
        env.spec = resealed;
        env.specHash = SpecHash.of(EventJson.read(resealed, EnvironmentSpec.class));
        if (oldHash != null && oldHash.equals(env.deployedSpecHash)) {
            env.deployedSpecHash = env.specHash;
        }
        return true;
    }
}

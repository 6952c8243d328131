package dev.stagecraft.gateway.secrets;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.Environment;
import io.quarkus.hibernate.orm.panache.Panache;
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
        AtomicInteger webhooks = new AtomicInteger();
        AtomicInteger variables = new AtomicInteger();
        inBatches("Application", ids -> {
            for (String id : ids) {
                Application app = Application.findById(id);
                if (app == null) {
                    continue;
                }
                String webhook = SecretBox.isSealed(app.webhookSecret) ? box.reseal(app.webhookSecret)
                        : box.seal(app.webhookSecret);
                if (webhook != null && !webhook.equals(app.webhookSecret)) {
                    app.webhookSecret = webhook;
                    webhooks.incrementAndGet();
                }
                String vars = box.reseal(app.environmentVariables);
                if (vars != null && !vars.equals(app.environmentVariables)) {
                    app.environmentVariables = vars;
                    variables.incrementAndGet();
                }
            }
        });
        AtomicInteger environments = new AtomicInteger();
        inBatches("Environment", ids -> {
            for (String id : ids) {
                Environment env = Environment.findById(id);
                if (env != null && env.spec != null && resealSpec(env, box)) {
                    environments.incrementAndGet();
                }
            }
        });
        Result result = new Result(box.keyId(), webhooks.get(), variables.get(), environments.get());
        LOG.infof("secrets resealed with key %s: %d webhook secrets, %d applications' variables, %d environments",
                box.keyId(), result.webhookSecrets(), result.applicationVariables(), result.environments());
        return result;
    }

    /**
     * Hands {@code batch} the ids of every row of {@code entity}, {@value #BATCH} at a time in id order, and runs it
     * in a transaction of its own per batch; rows added meanwhile after the last id read are visited too.
     */
    private static void inBatches(String entity, Consumer<List<String>> batch) {
        String after = "";
        while (true) {
            String from = after;
            List<String> ids = QuarkusTransaction.requiringNew().call(() -> Panache.getEntityManager()
                    .createQuery("select e.id from " + entity + " e where e.id > ?1 order by e.id", String.class)
                    .setParameter(1, from).setMaxResults(BATCH).getResultList());
            if (ids.isEmpty()) {
                return;
            }
            QuarkusTransaction.requiringNew().run(() -> batch.accept(ids));
            after = ids.get(ids.size() - 1);
        }
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

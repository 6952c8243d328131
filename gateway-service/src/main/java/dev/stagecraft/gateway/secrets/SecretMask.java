package dev.stagecraft.gateway.secrets;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.environments.Environment;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Replaces the values of an environment's secret variables ({@code secret: true}) with {@value #MASK} in text the
 * gateway stores or streams: workflow log lines, timeline entries and Server-Sent Events. Values shorter than
 * {@value #MIN_LENGTH} characters are not masked: masking every "1" or "on" would make the output unreadable while
 * hiding nothing.
 */
@ApplicationScoped
public class SecretMask {

    public static final String MASK = "********";
    static final int MIN_LENGTH = 4;
    private static final Logger LOG = Logger.getLogger(SecretMask.class);

    @Inject
    SecretBox secrets;

    private record Values(String specHash, List<String> values) {
    }

    /** The clear secret values of recent environments, by id; refreshed when the environment's spec changes. */
    private final Map<String, Values> cache = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Values> eldest) {
            return size() > 1000;
        }
    });

    /** {@code text} with every secret value of the environment masked; unchanged for an unknown environment. */
    public String mask(String environmentId, String text) {
        if (text == null || text.isEmpty() || environmentId == null) {
            return text;
        }
        String masked = text;
        for (String value : valuesOf(environmentId)) {
            masked = masked.replace(value, MASK);
        }
        return masked;
    }

    private List<String> valuesOf(String environmentId) {
        List<String> hashes = QuarkusTransaction.joiningExisting().call(() -> Environment.getEntityManager()
                .createQuery("select e.specHash from Environment e where e.id = ?1", String.class)
                .setParameter(1, environmentId).getResultList());
        if (hashes.isEmpty()) {
            return List.of();
        }
        String specHash = hashes.get(0);
        Values cached = cache.get(environmentId);
        if (cached != null && cached.specHash() != null && cached.specHash().equals(specHash)) {
            return cached.values();
        }
        String spec = QuarkusTransaction.joiningExisting().call(() -> Environment.getEntityManager()
                .createQuery("select e.spec from Environment e where e.id = ?1", String.class)
                .setParameter(1, environmentId).getResultStream().findFirst().orElse(null));
        List<String> values;
        try {
            values = secrets.openAll(spec).stream().filter(v -> v != null && v.length() >= MIN_LENGTH).distinct()
                    .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        } catch (IllegalStateException e) {
            LOG.warnf("secret values of %s could not be opened for masking: %s", environmentId, e.getMessage());
            values = List.of();
        }
        cache.put(environmentId, new Values(specHash, values));
        return values;
    }
}

package dev.stagecraft.gateway.hosts;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.faulttolerance.api.Guard;

/**
 * What the git host API clients share: the host's token and API URL from {@code stagecraft.<host>.*}, "off without a
 * token", and one fault tolerance policy per host ({@link #guard}) that their calls declare with
 * {@code @ApplyGuard("<host>")}.
 */
public abstract class GitHostApi implements PullRequestStates {

    /** A call that takes longer than this is abandoned (and counts as a failure of the host). */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** Calls in the circuit breaker's window; when at least half of them failed, the host is not called for a while. */
    static final int CIRCUIT_WINDOW = 10;
    /** How long an open circuit refuses calls before one is let through to test the host. */
    static final Duration CIRCUIT_OPEN_FOR = Duration.ofSeconds(30);

    @Inject
    GatewayConfig config;

    private final String provider;
    private final String displayName;
    private final Function<GatewayConfig, GatewayConfig.GitHost> settings;

    /** {@code settings}: where this host's part of the configuration is, e.g. {@code GatewayConfig::gitlab}. */
    protected GitHostApi(String provider, String displayName, Function<GatewayConfig, GatewayConfig.GitHost> settings) {
        this.provider = provider;
        this.displayName = displayName;
        this.settings = settings;
    }

    /** The request headers that carry {@code token}, as this host expects them. */
    protected abstract Map<String, String> credentials(String token);

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public String displayName() {
        return displayName;
    }

    private GatewayConfig.GitHost settings() {
        return settings.apply(config);
    }

    @Override
    public boolean enabled() {
        return settings().token().filter(t -> !t.isBlank()).isPresent();
    }

    /** One call to {@code path} under the API URL, with this host's credentials; see {@link HostHttp#call}. */
    protected JsonNode call(String method, String path, Map<String, String> headers, Object body) {
        String token = settings().token().filter(t -> !t.isBlank()).orElseThrow(() -> HostApiException.cannotAsk(
                "no token for " + displayName() + " (stagecraft." + provider() + ".token)"));
        Map<String, String> all = new HashMap<>(headers);
        all.putAll(credentials(token));
        return HostHttp.call(method, settings().apiUrl().replaceAll("/$", "") + path, all, body);
    }

    /**
     * The fault tolerance of one host's calls: a failure that may pass ({@link HostApiException#transientFailure()})
     * is tried again after {@code backoff}, doubling, up to {@code attempts} tries; each try is abandoned after
     * {@link #CALL_TIMEOUT}; and when half of the last {@link #CIRCUIT_WINDOW} tries failed, calls fail at once with
     * {@code CircuitBreakerOpenException} for {@link #CIRCUIT_OPEN_FOR}, so a host that is down does not hold every
     * caller for the whole backoff.
     */
    public static Guard guard(String provider, GatewayConfig.GitHost settings) {
        return guard(provider, settings.attempts(), settings.backoff(), CIRCUIT_OPEN_FOR);
    }

    static Guard guard(String provider, int attempts, Duration backoff, Duration circuitOpenFor) {
        // the longest wait between two tries, and under it the longest a call may take with all its tries (which
        // Fault Tolerance wants strictly longer): the retries never stop early because of either limit
        Duration longestWait = backoff.multipliedBy(1L << Math.min(attempts, 20));
        long longest = CALL_TIMEOUT.multipliedBy(attempts).plus(longestWait).toMillis();
        return Guard.create().withDescription(provider + " API")
                .withRetry().maxRetries(Math.max(0, attempts - 1)).delay(backoff.toMillis(), ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS).maxDuration(longest, ChronoUnit.MILLIS)
                .whenException(e -> e instanceof HostApiException h && h.transientFailure())
                .withExponentialBackoff().factor(2).maxDelay(longestWait.toMillis(), ChronoUnit.MILLIS).done().done()
                .withCircuitBreaker().name(provider + "-api").requestVolumeThreshold(CIRCUIT_WINDOW).failureRatio(0.5)
                .delay(circuitOpenFor.toMillis(), ChronoUnit.MILLIS)
                .when(e -> e instanceof HostApiException h && h.transientFailure()
                        || e instanceof TimeoutException)
                .done()
                .withTimeout().duration(CALL_TIMEOUT.toMillis(), ChronoUnit.MILLIS).done()
                .build();
    }
}

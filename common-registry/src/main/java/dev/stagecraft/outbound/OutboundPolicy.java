package dev.stagecraft.outbound;

import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.faulttolerance.api.Guard;

/**
 * How Stagecraft calls other systems (the gateway git hosts and the image registry, the build-service the registry):
 * through a Quarkus REST client with short connect and read timeouts, under one SmallRye Fault Tolerance
 * {@link Guard} per system. A failure that may pass is tried again after a backoff that doubles, up to a number of
 * tries; each try is abandoned after {@link #CALL_TIMEOUT}; and when half of the last {@link #CIRCUIT_WINDOW} tries
 * failed, calls fail at once with {@code CircuitBreakerOpenException} for a while, so a system that is down does not
 * hold every caller for the whole backoff.
 */
public final class OutboundPolicy {

    /** A connection that is not made within this is a failure that may pass. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** A try that takes longer than this is abandoned (and counts as a failure of the system). */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
    /** Tries in the circuit breaker's window; when at least half of them failed, the system is not called a while. */
    public static final int CIRCUIT_WINDOW = 10;
    /** How long an open circuit refuses calls before one is let through to test the system. */
    public static final Duration CIRCUIT_OPEN_FOR = Duration.ofSeconds(30);

    private OutboundPolicy() {
    }

    /**
     * A REST client builder for {@code baseUri}: connects within {@link #CONNECT_TIMEOUT}, waits at most
     * {@code readTimeout} for an answer, says it is Stagecraft.
     */
    public static QuarkusRestClientBuilder client(URI baseUri, Duration readTimeout) {
        return QuarkusRestClientBuilder.newBuilder().baseUri(baseUri)
                .connectTimeout(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(readTimeout.toMillis(), TimeUnit.MILLISECONDS).userAgent("stagecraft");
    }

    /**
     * The policy of the system {@code name}: a failure {@code mayPass} accepts is tried again after {@code backoff},
     * doubling, up to {@code attempts} tries; the circuit stays open for {@code circuitOpenFor}.
     */
    public static Guard guard(String name, int attempts, Duration backoff, Duration circuitOpenFor,
            Predicate<Throwable> mayPass) {
        // the longest wait between two tries, and under it the longest a call may take with all its tries (which
        // Fault Tolerance wants strictly longer): the retries never stop early because of either limit
        Duration longestWait = backoff.multipliedBy(1L << Math.min(attempts, 20));
        long longest = CALL_TIMEOUT.multipliedBy(attempts).plus(longestWait).toMillis();
        return Guard.create().withDescription(name)
                .withRetry().maxRetries(Math.max(0, attempts - 1)).delay(backoff.toMillis(), ChronoUnit.MILLIS)
                .jitter(0, ChronoUnit.MILLIS).maxDuration(longest, ChronoUnit.MILLIS).whenException(mayPass)
                .withExponentialBackoff().factor(2).maxDelay(longestWait.toMillis(), ChronoUnit.MILLIS).done().done()
                .withCircuitBreaker().name(name).requestVolumeThreshold(CIRCUIT_WINDOW).failureRatio(0.5)
                .delay(circuitOpenFor.toMillis(), ChronoUnit.MILLIS)
                .when(e -> mayPass.test(e) || e instanceof TimeoutException)
                .done()
                .withTimeout().duration(CALL_TIMEOUT.toMillis(), ChronoUnit.MILLIS).done()
                .build();
    }
}

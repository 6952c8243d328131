package dev.stagecraft.gateway.sleep;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentActions;
import dev.stagecraft.gateway.environments.EnvironmentState;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The wake endpoint the router hands a sleeping environment's requests to ({@code GET /router/wake}, the environment
 * in {@code X-Stagecraft-Environment}, which the router's route sets). It wakes the environment if it sleeps because
 * it was idle, and holds the request until it is awake, up to {@code stagecraft.sleep.wake-wait}: then it answers
 * 204 and the router lets the request itself through to the resumed service. Past the wait it answers 503 with a
 * small page that reloads itself. An environment a person or its schedule paused is not woken: 503 saying so.
 *
 * <p>It needs no token: it does nothing a request to the environment's own host name would not do. It is outside
 * {@code /api} for that reason.
 */
@Path("/router/wake")
public class WakeResource {

    private static final Logger LOG = Logger.getLogger(WakeResource.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final String ENVIRONMENT = "X-Stagecraft-Environment";
    private static final String WOKEN = "X-Stagecraft-Woken";

    @Inject
    Clock clock;

    @Inject
    GatewayConfig config;

    @Inject
    EnvironmentActions actions;

    @Inject
    ConflictRetry conflicts;

    private record Seen(EnvironmentState state, String pausedBy, String failureReason) {
    }

    @GET
    public Response wake(@HeaderParam(ENVIRONMENT) String environment, @HeaderParam(WOKEN) String woken,
            @HeaderParam(HttpHeaders.HOST) String host) throws InterruptedException {
        if (environment == null || environment.isBlank()) {
            return page(400, "Not a wake request", "This address wakes sleeping environments for the router; the"
                    + " request names no environment (" + ENVIRONMENT + ").", false);
        }
        if (woken != null) {
            // the router handed the request back and it came here again: the route did not change
            return page(502, "Still asleep", "Environment " + environment + " was woken, but the router still sends"
                    + " its requests here. Reload the page in a moment.", true);
        }
        Instant until = clock.instant().plus(config.sleep().wakeWait());
        boolean asked = false;
        while (true) {
            Seen seen = QuarkusTransaction.requiringNew().call(() -> {
                Environment env = Environment.findById(environment);
                return env == null ? null : new Seen(env.state, env.pausedBy, env.failureReason);
            });
            if (seen == null || !seen.state().alive()) {
                return page(404, "No environment here", "Environment " + environment + " does not exist any more.",
                        false);
            }
            if (awake(seen.state())) {
                SleepWatch.requestAt(environment, clock.instant());
                return Response.noContent().build();
            }
            if (seen.state() == EnvironmentState.PAUSED) {
                if (!"idle".equals(seen.pausedBy())) {
                    return page(503, "Paused", "Environment " + environment + " was paused by "
                            + ("schedule".equals(seen.pausedBy()) ? "its pause schedule" : "a person")
                            + "; requests do not wake it. Resume it in Stagecraft (POST /api/environments/"
                            + environment + "/resume).", false);
                }
                if (!asked) {
                    asked = true;
                    try {
                        if (conflicts.inTransaction(() -> actions.wake(environment, host))) {
                            LOG.infof("environment %s: a request for %s woke it", environment, host);
                        }
                    } catch (ApiException e) {
                        return page(503, "Cannot wake", e.getMessage()
                                + ". Stop another environment, or ask an administrator to raise the limit.", false);
                    }
                }
            } else if (seen.state() == EnvironmentState.FAILED) {
                return page(503, "Could not wake", "Environment " + environment + " failed"
                        + (seen.failureReason() == null ? "" : ": " + seen.failureReason()), false);
            }
            if (!clock.instant().isBefore(until)) {
                return page(503, "Waking up", "Environment " + environment + " was asleep and is waking up. This page"
                        + " reloads itself until it answers.", true);
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Serving requests: READY, or deploying a newer commit while the one it had still runs. */
    private static boolean awake(EnvironmentState state) {
        return state == EnvironmentState.READY || state == EnvironmentState.BUILDING
                || state == EnvironmentState.PATCHING;
    }

    private static Response page(int status, String title, String text, boolean retry) {
        String html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>"
                + (retry ? "<meta http-equiv=\"refresh\" content=\"5\">" : "")
                + "</head><body><h1>" + escape(title) + "</h1><p>"
                + escape(text) + "</p></body></html>\n";
        Response.ResponseBuilder answer = Response.status(status).type("text/html; charset=utf-8").entity(html)
                .header("Cache-Control", "no-store");
        if (retry) {
            answer.header("Retry-After", "5");
        }
        return answer.build();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

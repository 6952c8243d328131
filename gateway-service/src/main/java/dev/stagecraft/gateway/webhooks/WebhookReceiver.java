package dev.stagecraft.gateway.webhooks;

import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.api.ApiError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;

/**
 * What every git host's webhook endpoint does with a delivery: checks the headers that name it, reads the body,
 * parses it in the host's way, and hands it to the {@link WebhookIntake} with the host's way of proving it authentic;
 * then answers in the same shapes and statuses for every host. The request's span (the start of the delivery's
 * trace, which the outbox carries on to every stage) names the host, the event, the delivery and its outcome.
 */
@ApplicationScoped
public class WebhookReceiver {

    @Inject
    WebhookIntake intake;

    @Inject
    SecretBox secrets;

    @Inject
    MeterRegistry registry;

    /** A required header: its name (for the 400 when it is missing) and its value. */
    public record Header(String name, String value) {
    }

    /** How a host's payload becomes a delivery. */
    @FunctionalInterface
    public interface Parser {
        ParsedDelivery parse(String event, String delivery, JsonNode payload);
    }

    /**
     * @param authentic   whether the delivery proves it knows an application's webhook secret (given opened)
     * @param authFailure what to tell the caller when no application of the repository accepts it
     */
    public Response receive(String provider, Header event, Header delivery, String contentType, byte[] body,
            Parser parser, Predicate<String> authentic, String authFailure) {
        Span span = Span.current();
        span.setAttribute("stagecraft.webhook.provider", provider);
        if (event.value() != null) {
            span.setAttribute("stagecraft.webhook.event", event.value());
        }
        if (delivery.value() != null) {
            span.setAttribute("stagecraft.webhook.delivery", delivery.value());
        }
        Response response;
        try {
            response = answer(event, delivery, contentType, body, parser, authentic, authFailure);
        } catch (RuntimeException e) {
            deliveries(provider, "error").increment(); // e.g. the database is down: answered 500 or 503
            throw e;
        }
        String outcome = response.getEntity() instanceof WebhookResponse r ? r.outcome()
                : response.getEntity() instanceof ApiError e ? e.error() : String.valueOf(response.getStatus());
        deliveries(provider, outcome).increment();
        span.setAttribute("stagecraft.webhook.outcome", outcome);
        return response;
    }

    /** {@code stagecraft_webhook_deliveries_total{provider, outcome}}. */
    private Counter deliveries(String provider, String outcome) {
        return Counter.builder("stagecraft.webhook.deliveries")
                .description("Webhook deliveries answered, by outcome: accepted, ignored, duplicate, the error code,"
                        + " or error when the intake failed")
                .tag("provider", provider).tag("outcome", outcome).register(registry);
    }

    private Response answer(Header event, Header delivery, String contentType, byte[] body, Parser parser,
            Predicate<String> authentic, String authFailure) {
        ParsedDelivery parsed;
        try {
            WebhookBodies.header(event.value(), event.name());
            WebhookBodies.header(delivery.value(), delivery.name());
            parsed = parser.parse(event.value(), delivery.value(), WebhookBodies.json(contentType, body));
        } catch (WebhookBodies.Refusal e) {
            return e.response();
        } catch (MalformedPayloadException e) {
            return WebhookBodies.error(400, "malformed_payload", e.getMessage());
        }
        return WebhookBodies.answer(delivery.value(), () -> intake.accept(parsed,
                app -> authentic.test(secrets.open(app.webhookSecret)), authFailure));
    }
}

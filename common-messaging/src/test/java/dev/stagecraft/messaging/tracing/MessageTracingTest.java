package dev.stagecraft.messaging.tracing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentActionRejected;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.Topics;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.LocalInfra;
import dev.stagecraft.messaging.outbox.Outbox;
import dev.stagecraft.messaging.stage.StageRun;
import dev.stagecraft.messaging.stage.StageRuns;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A trace through the outbox, its relay, Kafka and a stage run, against a real PostgreSQL and Kafka, with the
 * service's spans kept in memory: the outbox keeps the writer's trace context, the relay's send is its child and puts
 * its own context in {@code ce_traceparent}, a consumer continues from there, and a stage run continues the trace its
 * command arrived in.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class MessageTracingTest {

    @Inject
    Outbox outbox;

    @Inject
    MessageTracing tracing;

    @Inject
    StageRuns runs;

    @Inject
    OpenTelemetry telemetry;

    @Inject
    InMemorySpanExporter spans;

    @Inject
    EntityManager em;

    /** The service's spans, kept here instead of being sent to a collector. */
    @ApplicationScoped
    static class SpansInMemory {

        @Produces
        @Singleton
        InMemorySpanExporter exporter() {
            return InMemorySpanExporter.create();
        }
    }

    @Test
    void aMessageCarriesItsWritersTraceThroughTheRelayAndKafkaIntoTheConsumersWork() {
        String environment = "traced-" + UUID.randomUUID();
        Span webhook = telemetry.getTracer("test").spanBuilder("POST /webhooks/github").setSpanKind(SpanKind.SERVER)
                .startSpan();
        try (Scope ignored = webhook.makeCurrent()) {
            QuarkusTransaction.requiringNew().run(() -> outbox.publish(message(environment, "first"), null));
        } finally {
            webhook.end();
        }
        String traceId = webhook.getSpanContext().getTraceId();

        ConsumerRecord<String, String> first = receive(environment, "first");
        String traceparent = header(first, KafkaCloudEvents.H_TRACEPARENT);
        assertNotNull(traceparent, "the record carries the CloudEvents distributed tracing extension");
        assertEquals(traceId, traceIdOf(traceparent), "the record is in the webhook's trace");
        assertEquals(traceparent, header(first, KafkaCloudEvents.H_W3C_TRACEPARENT), "and the plain W3C header");
        SpanData send = span(spanIdOf(traceparent));
        assertEquals("send " + Topics.LIFECYCLE, send.getName());
        assertEquals(SpanKind.PRODUCER, send.getKind());
        assertEquals(webhook.getSpanContext().getSpanId(), send.getParentSpanId(), "the send is the writer's child");

        // a consumer handles the record and writes a message of its own: it goes on in the same trace
        String[] inConsumer = new String[1];
        tracing.consume(first, () -> {
            inConsumer[0] = Span.current().getSpanContext().getSpanId();
            QuarkusTransaction.requiringNew().run(() -> outbox.publish(message(environment, "second"), null));
        });
        SpanData process = span(inConsumer[0]);
        assertEquals("process " + Topics.LIFECYCLE, process.getName());
        assertEquals(SpanKind.CONSUMER, process.getKind());
        assertEquals(traceId, process.getTraceId());
        assertEquals(send.getSpanId(), process.getParentSpanId(), "the consumer's span is the send's child");
        assertEquals(environment, process.getAttributes().asMap().entrySet().stream()
                .filter(e -> e.getKey().getKey().equals("stagecraft.environment")).findFirst().orElseThrow()
                .getValue());

        String next = header(receive(environment, "second"), KafkaCloudEvents.H_TRACEPARENT);
        assertEquals(traceId, traceIdOf(next), "what the consumer wrote goes on in the webhook's trace");
        assertEquals(inConsumer[0], span(spanIdOf(next)).getParentSpanId());
    }

    @Test
    void aStageRunContinuesTheTraceItsCommandArrivedIn() {
        String environment = "traced-run-" + UUID.randomUUID();
        String workflow = UUID.randomUUID().toString();
        CloudEvent command = CloudEvent.of("test", new SetupRequested(environment, workflow, "c0ffee",
                new EnvironmentSpec("trace-test", List.of(), Map.of()), Map.of()), null);
        Span click = telemetry.getTracer("test").spanBuilder("POST /api/environments/{id}/setup").startSpan();
        click.end();
        // the command as the setup-service's consumer reads it, in the trace of the click that caused it
        ConsumerRecord<String, String> record = new ConsumerRecord<>(Topics.SETUP_COMMANDS, 0, 0L, environment, "{}");
        KafkaCloudEvents.headers(command).forEach(h -> record.headers().add(h));
        KafkaCloudEvents.addTraceContext(record.headers(), MessageTracing.of(io.opentelemetry.context.Context.root()
                .with(click)).traceparent(), null);
        String[] consumer = new String[1];
        tracing.consume(record, () -> {
            consumer[0] = Span.current().getSpanContext().getSpanId();
            runs.accept(command);
        });
        String traceId = click.getSpanContext().getTraceId();

        StageRun run = await().atMost(Duration.ofSeconds(30)).until(() -> QuarkusTransaction.requiringNew().call(() -> {
            StageRun found = StageRun.findById(workflow);
            if (found != null) {
                em.refresh(found);
            }
            return found;
        }), r -> r != null && r.status == StageRun.Status.SUCCEEDED);
        assertEquals(traceId, traceIdOf(run.traceparent), "the run keeps its command's trace for whoever starts it");

        SpanData runSpan = await().atMost(Duration.ofSeconds(10)).until(() -> finished().stream()
                .filter(s -> s.getName().equals("run SetupRequested") && s.getTraceId().equals(traceId)).findFirst(),
                Optional::isPresent).orElseThrow();
        assertEquals(consumer[0], runSpan.getParentSpanId(), "the run's span is the consumer's child");

        String outcome = header(receive(environment, MessageType.of(new SetupSucceeded("e", "w", Map.of())).ceType()),
                KafkaCloudEvents.H_TRACEPARENT);
        assertEquals(traceId, traceIdOf(outcome), "the run's outcome goes on in the click's trace");
        assertEquals(runSpan.getSpanId(), span(spanIdOf(outcome)).getParentSpanId(),
                "SetupSucceeded was written in the run's span");
    }

    private static EnvironmentActionRejected message(String environment, String text) {
        return new EnvironmentActionRejected(environment, null, null, "deploy", "tracing-test", 0, "test", text);
    }

    /** The first record of {@code environment} on the lifecycle topic whose payload or type mentions {@code what}. */
    private static ConsumerRecord<String, String> receive(String environment, String what) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(LocalInfra.shared().kafkaClientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "tracing-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.LIFECYCLE));
            ConsumerRecord<String, String>[] found = new ConsumerRecord[1];
            await().atMost(Duration.ofSeconds(60)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (environment.equals(record.key()) && (record.value().contains(what)
                            || what.equals(header(record, KafkaCloudEvents.H_TYPE)))) {
                        found[0] = record;
                    }
                }
                return found[0] != null;
            });
            return found[0];
        }
    }

    /** The finished span with {@code spanId}, once the batch processor handed it over. */
    private SpanData span(String spanId) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> finished().stream()
                .filter(s -> s.getSpanId().equals(spanId)).findFirst(), Optional::isPresent).orElseThrow();
    }

    private List<SpanData> finished() {
        return spans.getFinishedSpanItems();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String traceIdOf(String traceparent) {
        return traceparent.split("-")[1];
    }

    private static String spanIdOf(String traceparent) {
        return traceparent.split("-")[2];
    }
}

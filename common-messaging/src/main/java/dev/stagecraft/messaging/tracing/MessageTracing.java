package dev.stagecraft.messaging.tracing;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * Carries a trace across what HTTP instrumentation does not see: from the span that writes a message to the outbox,
 * through the relay's send and Kafka ({@code ce_traceparent}), into the consumer's handling, and from a stage command
 * into the run that works on it, wherever and whenever that run starts. The context is always W3C trace context, as
 * the CloudEvents distributed tracing extension defines it, whatever propagators the service configures for HTTP.
 */
@ApplicationScoped
public class MessageTracing {

    /** Where Stagecraft's own spans come from. */
    public static final String INSTRUMENTATION = "dev.stagecraft";

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final String TRACEPARENT = "traceparent";
    private static final String TRACESTATE = "tracestate";
    private static final TextMapGetter<Map<String, String>> FROM_MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    @Inject
    OpenTelemetry telemetry;

    private volatile Tracer tracer;

    /** The trace context of the current span, as a message written now carries it; null outside any trace. */
    public static TraceContext current() {
        return of(Context.current());
    }

    /** The trace context of {@code context}'s span; null when it has none. */
    public static TraceContext of(Context context) {
        Map<String, String> carrier = new HashMap<>(4);
        W3C.inject(context, carrier, Map::put);
        String traceparent = carrier.get(TRACEPARENT);
        return traceparent == null ? null : new TraceContext(traceparent, carrier.get(TRACESTATE));
    }

    /** The trace context a record's headers carry: the CloudEvents extension, else the plain W3C header; or null. */
    public static TraceContext of(Headers headers) {
        String traceparent = KafkaCloudEvents.get(headers, KafkaCloudEvents.H_TRACEPARENT);
        if (traceparent != null) {
            return new TraceContext(traceparent, KafkaCloudEvents.get(headers, KafkaCloudEvents.H_TRACESTATE));
        }
        traceparent = KafkaCloudEvents.get(headers, KafkaCloudEvents.H_W3C_TRACEPARENT);
        return traceparent == null ? null
                : new TraceContext(traceparent, KafkaCloudEvents.get(headers, KafkaCloudEvents.H_W3C_TRACESTATE));
    }

    /** The context to continue {@code trace} in; the root context (a new trace) for null or a malformed one. */
    public static Context context(TraceContext trace) {
        if (trace == null) {
            return Context.root();
        }
        Map<String, String> carrier = new HashMap<>(4);
        carrier.put(TRACEPARENT, trace.traceparent());
        if (trace.tracestate() != null) {
            carrier.put(TRACESTATE, trace.tracestate());
        }
        return W3C.extract(Context.root(), carrier, FROM_MAP);
    }

    /**
     * Runs {@code work} for a record in a consumer span ({@code process <topic>}) that continues the trace the
     * record's headers carry, or starts one; whatever {@code work} writes to the outbox carries that trace on.
     */
    public void consume(ConsumerRecord<?, ?> record, Runnable work) {
        Headers headers = record.headers();
        SpanBuilder builder = tracer().spanBuilder("process " + record.topic()).setSpanKind(SpanKind.CONSUMER)
                .setParent(context(of(headers)))
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", record.topic())
                .setAttribute("messaging.destination.partition.id", String.valueOf(record.partition()))
                .setAttribute("messaging.kafka.offset", record.offset());
        String id = KafkaCloudEvents.get(headers, KafkaCloudEvents.H_ID);
        if (id != null) {
            builder.setAttribute("messaging.message.id", id).setAttribute("cloudevents.event_id", id);
        }
        attribute(builder, "cloudevents.event_type", KafkaCloudEvents.get(headers, KafkaCloudEvents.H_TYPE));
        attribute(builder, "cloudevents.event_source", KafkaCloudEvents.get(headers, KafkaCloudEvents.H_SOURCE));
        attribute(builder, "stagecraft.environment", KafkaCloudEvents.get(headers, KafkaCloudEvents.H_SUBJECT));
        attribute(builder, "stagecraft.workflow", KafkaCloudEvents.get(headers, KafkaCloudEvents.H_WORKFLOW_ID));
        inSpan(builder.startSpan(), work);
    }

    /**
     * The producer span ({@code send <topic>}) of one outbox row on its way to the broker, a child of the span that
     * wrote it; the relay puts this span's context in the record's headers and ends it when the broker answered.
     */
    public Span startSend(String topic, String ceId, String ceType, String environmentId, String workflowId,
            TraceContext writer) {
        SpanBuilder builder = tracer().spanBuilder("send " + topic).setSpanKind(SpanKind.PRODUCER)
                .setParent(context(writer))
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "send")
                .setAttribute("messaging.destination.name", topic)
                .setAttribute("messaging.message.id", ceId)
                .setAttribute("cloudevents.event_id", ceId)
                .setAttribute("cloudevents.event_type", ceType);
        attribute(builder, "stagecraft.environment", environmentId);
        attribute(builder, "stagecraft.workflow", workflowId);
        return builder.startSpan();
    }

    /**
     * The span of a stage run's work ({@code run <command type>}), a child of the command's trace: the run may start
     * long after the command arrived, on another thread or another instance that took its lease over.
     */
    public Span startRun(String commandType, String environmentId, String workflowId, int attempt,
            TraceContext command) {
        SpanBuilder builder = tracer().spanBuilder("run " + commandType).setSpanKind(SpanKind.INTERNAL)
                .setParent(context(command))
                .setAttribute("stagecraft.attempt", attempt);
        attribute(builder, "stagecraft.environment", environmentId);
        attribute(builder, "stagecraft.workflow", workflowId);
        return builder.startSpan();
    }

    /** Runs {@code work} with {@code span} current, and ends the span, marked failed when the work threw. */
    public static void inSpan(Span span, Runnable work) {
        try (Scope ignored = span.makeCurrent()) {
            work.run();
        } catch (RuntimeException | Error e) {
            failed(span, e);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Marks {@code span} failed by {@code error}. */
    public static void failed(Span span, Throwable error) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, error.getClass().getSimpleName());
    }

    private Tracer tracer() {
        Tracer t = tracer;
        if (t == null) {
            t = telemetry.getTracer(INSTRUMENTATION);
            tracer = t;
        }
        return t;
    }

    private static void attribute(SpanBuilder builder, String key, String value) {
        if (value != null && !value.isEmpty()) {
            builder.setAttribute(key, value);
        }
    }
}

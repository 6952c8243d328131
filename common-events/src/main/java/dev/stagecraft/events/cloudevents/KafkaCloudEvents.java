package dev.stagecraft.events.cloudevents;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.StagecraftMessage;

/**
 * CloudEvents Kafka protocol binding, binary mode: attributes in {@code ce_*} headers, the JSON payload as value.
 * The distributed tracing extension ({@code ce_traceparent}, {@code ce_tracestate}) carries the W3C trace context the
 * event was sent in, so a consumer continues the trace of the webhook or click that caused it.
 */
public final class KafkaCloudEvents {

    public static final String SPEC_VERSION = "1.0";
    public static final String CONTENT_TYPE = "application/json";
    public static final String H_SPECVERSION = "ce_specversion";
    public static final String H_ID = "ce_id";
    public static final String H_TYPE = "ce_type";
    public static final String H_SOURCE = "ce_source";
    public static final String H_SUBJECT = "ce_subject";
    public static final String H_TIME = "ce_time";
    public static final String H_WORKFLOW_ID = "ce_workflowid";
    public static final String H_CAUSATION_ID = "ce_causationid";
    public static final String H_CONTENT_TYPE = "content-type";
    /** The CloudEvents distributed tracing extension: the W3C {@code traceparent} of the span that sent the event. */
    public static final String H_TRACEPARENT = "ce_traceparent";
    /** The CloudEvents distributed tracing extension: the W3C {@code tracestate} beside it, when there is one. */
    public static final String H_TRACESTATE = "ce_tracestate";
    /** The plain W3C header Kafka instrumentations read; the same value as {@link #H_TRACEPARENT}. */
    public static final String H_W3C_TRACEPARENT = "traceparent";
    public static final String H_W3C_TRACESTATE = "tracestate";

    private KafkaCloudEvents() {
    }

    public static Headers headers(CloudEvent event) {
        return headers(event.id(), event.type(), event.source(), event.subject(), event.time(), event.workflowId(),
                event.causationId());
    }

    /** The {@code ce_*} headers of an event whose payload is already serialised (e.g. an outbox row). */
    public static Headers headers(String id, String type, String source, String subject, OffsetDateTime time,
            String workflowId, String causationId) {
        Headers headers = new RecordHeaders();
        put(headers, H_SPECVERSION, SPEC_VERSION);
        put(headers, H_ID, id);
        put(headers, H_TYPE, type);
        put(headers, H_SOURCE, source);
        put(headers, H_SUBJECT, subject);
        put(headers, H_TIME, time.toString());
        put(headers, H_WORKFLOW_ID, workflowId);
        put(headers, H_CAUSATION_ID, causationId);
        put(headers, H_CONTENT_TYPE, CONTENT_TYPE);
        return headers;
    }

    /**
     * Adds the trace context an event is sent in: the CloudEvents distributed tracing extension and, with the same
     * values, the plain W3C headers that Kafka instrumentations of other subscribers read. A null
     * {@code traceparent} adds nothing.
     */
    public static void addTraceContext(Headers headers, String traceparent, String tracestate) {
        if (traceparent == null) {
            return;
        }
        put(headers, H_TRACEPARENT, traceparent);
        put(headers, H_W3C_TRACEPARENT, traceparent);
        if (tracestate != null && !tracestate.isEmpty()) {
            put(headers, H_TRACESTATE, tracestate);
            put(headers, H_W3C_TRACESTATE, tracestate);
        }
    }

    /** The record for {@code event} on {@code topic}, keyed by environment id. */
    public static ProducerRecord<String, String> toRecord(String topic, CloudEvent event) {
        return new ProducerRecord<>(topic, null, event.subject(), EventJson.write(event.data()), headers(event));
    }

    public static ProducerRecord<String, String> toRecord(CloudEvent event) {
        return toRecord(MessageType.ofCeType(event.type()).orElseThrow().topic(), event);
    }

    /**
     * Reads a record back into an envelope.
     *
     * @throws UnreadableEventException when a required header is missing, the type is unknown or the payload is not
     *                                  valid JSON for that type
     */
    public static CloudEvent fromRecord(ConsumerRecord<String, String> record) {
        Headers headers = record.headers();
        String type = require(headers, H_TYPE, record);
        MessageType messageType = MessageType.ofCeType(type).orElseThrow(() -> new UnreadableEventException(
                "unknown CloudEvents type '" + type + "' at " + where(record) + "; known types are the values of "
                        + MessageType.class.getSimpleName()));
        StagecraftMessage data;
        try {
            data = EventJson.read(record.value(), messageType.javaType());
        } catch (RuntimeException e) {
            throw new UnreadableEventException("payload of " + type + " at " + where(record) + " is not valid: " + e.getMessage());
        }
        String time = get(headers, H_TIME);
        return new CloudEvent(require(headers, H_ID, record), type, get(headers, H_SOURCE), get(headers, H_SUBJECT),
                time == null ? null : OffsetDateTime.parse(time), get(headers, H_WORKFLOW_ID),
                get(headers, H_CAUSATION_ID), data);
    }

    private static String where(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private static String require(Headers headers, String name, ConsumerRecord<?, ?> record) {
        String value = get(headers, name);
        if (value == null) {
            throw new UnreadableEventException("record " + where(record) + " has no " + name + " header");
        }
        return value;
    }

    public static String get(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}

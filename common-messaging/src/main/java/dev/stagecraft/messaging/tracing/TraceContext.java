package dev.stagecraft.messaging.tracing;

/**
 * The W3C trace context a message travels in: {@code traceparent} and, when a tracing system added one,
 * {@code tracestate}. The outbox keeps it beside a row until the relay sends it, a stage run beside its command until
 * the run ends, and Kafka carries it in the CloudEvents distributed tracing extension.
 */
public record TraceContext(String traceparent, String tracestate) {
}

-- The W3C trace context of the span that wrote a message (null outside any trace). The relay sends it on as the
-- CloudEvents distributed tracing extension (ce_traceparent, ce_tracestate), so the consumer's handling continues the
-- trace; a parked row keeps it for the MessageUndeliverable that takes its place.
alter table outbox_message add column traceparent text;
alter table outbox_message add column tracestate text;
alter table outbox_parked add column traceparent text;
alter table outbox_parked add column tracestate text;

package dev.stagecraft.messaging.outbox;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.MappedSuperclass;

/** A CloudEvent as the outbox keeps it: what a waiting row and a parked one have in common. */
@MappedSuperclass
public abstract class OutboxRecord extends PanacheEntityBase {

    public String topic;
    @Column(name = "record_key")
    public String key;
    @Column(name = "ce_id")
    public String ceId;
    @Column(name = "ce_type")
    public String ceType;
    @Column(name = "ce_source")
    public String ceSource;
    @Column(name = "ce_time")
    public OffsetDateTime ceTime;
    @Column(name = "workflow_id")
    public String workflowId;
    @Column(name = "causation_id")
    public String causationId;
    public String payload;
    /** Sends that failed while other rows of the same batch went through. */
    public int attempts;
    /** The W3C trace context of the span that wrote it, sent on as {@code ce_traceparent}; null outside a trace. */
    public String traceparent;
    public String tracestate;
}

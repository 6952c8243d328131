package dev.stagecraft.messaging.outbox;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An outbox row the relay set aside because it could not be sent, with the reason; it keeps the row's id. */
@Entity
@Table(name = "outbox_parked")
public class ParkedMessage extends OutboxRecord {

    @Id
    public Long id;
    public String reason;
    @Column(name = "parked_at")
    public OffsetDateTime parkedAt;

    static ParkedMessage of(OutboxMessage row, String reason, OffsetDateTime now) {
        ParkedMessage parked = new ParkedMessage();
        parked.id = row.id;
        parked.topic = row.topic;
        parked.key = row.key;
        parked.ceId = row.ceId;
        parked.ceType = row.ceType;
        parked.ceSource = row.ceSource;
        parked.ceTime = row.ceTime;
        parked.workflowId = row.workflowId;
        parked.causationId = row.causationId;
        parked.payload = row.payload;
        parked.attempts = row.attempts;
        parked.traceparent = row.traceparent;
        parked.tracestate = row.tracestate;
        parked.reason = reason;
        parked.parkedAt = now;
        return parked;
    }
}

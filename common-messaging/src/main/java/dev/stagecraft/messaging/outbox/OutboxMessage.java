package dev.stagecraft.messaging.outbox;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A CloudEvent waiting to be relayed to Kafka. */
@Entity
@Table(name = "outbox_message")
public class OutboxMessage extends OutboxRecord {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "last_error")
    public String lastError;
    /** Set on a row that failed to send: its key is not read again before then. */
    @Column(name = "not_before")
    public OffsetDateTime notBefore;
}

package dev.stagecraft.gateway.webhooks;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One webhook delivery a git host made, with what came of it. The id is the host's delivery id (dedupe key). */
@Entity
@Table(name = "delivery")
public class Delivery extends PanacheEntityBase {

    /** What became of a delivery. */
    public enum Outcome {
        ACCEPTED, IGNORED, DUPLICATE
    }

    @Id
    public String id;
    public String provider;
    public String event;
    public String action;
    public String repository;
    @Column(name = "application_id")
    public String applicationId;
    @Column(name = "environment_id")
    public String environmentId;
    @Enumerated(EnumType.STRING)
    public Outcome outcome;
    public String reason;
    @Column(name = "received_at")
    public OffsetDateTime receivedAt;
}

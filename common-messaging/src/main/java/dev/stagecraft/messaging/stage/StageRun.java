package dev.stagecraft.messaging.stage;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One workflow a stage service accepted, with the command that started it and the lease of the instance running it. */
@Entity
@Table(name = "stage_run")
public class StageRun extends PanacheEntityBase {

    /** Where a run is; {@link #finished()} tells whether it can still change. */
    public enum Status {
        ACCEPTED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean finished() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }
    }

    @Id
    @Column(name = "workflow_id")
    public String workflowId;
    @Column(name = "environment_id")
    public String environmentId;
    @Column(name = "command_id")
    public String commandId;
    @Column(name = "command_type")
    public String commandType;
    public String command;
    @Enumerated(EnumType.STRING)
    public Status status;
    public String reason;
    @Column(name = "accepted_at")
    public OffsetDateTime acceptedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
    /** The instance working on it (its lease), null before any took it. */
    public String owner;
    @Column(name = "lease_until")
    public OffsetDateTime leaseUntil;
    /** How many times an instance started it. */
    public int attempts;
    /** Set when a CancelRequested arrived, whichever instance runs it. */
    @Column(name = "cancel_reason")
    public String cancelReason;
    /** The W3C trace context the command arrived in; each start of the run is a span in that trace. */
    public String traceparent;
    public String tracestate;
}

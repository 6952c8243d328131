package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.List;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One event in an environment's history; {@code applied} is false for events of a workflow no longer active. */
@Entity
@Table(name = "timeline_entry")
public class TimelineEntry extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "environment_id")
    public String environmentId;
    @Column(name = "workflow_id")
    public String workflowId;
    @Column(name = "ce_id")
    public String ceId;
    public String type;
    public boolean applied;
    public String detail;
    @Column(name = "occurred_at")
    public OffsetDateTime occurredAt;

    public static List<TimelineEntry> ofWorkflow(String workflowId) {
        return list("workflowId = ?1 order by id", workflowId);
    }

    public static List<TimelineEntry> ofEnvironment(String environmentId) {
        return list("environmentId = ?1 order by id", environmentId);
    }

    /** The environment's latest {@code count} entries, oldest first. */
    public static List<TimelineEntry> latestOf(String environmentId, int count) {
        List<TimelineEntry> latest = new java.util.ArrayList<>(TimelineEntry.<TimelineEntry>find(
                "environmentId = ?1 order by id desc", environmentId).page(0, count).list());
        java.util.Collections.reverse(latest);
        return latest;
    }
}

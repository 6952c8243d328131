package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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

    /**
     * The entries recorded after the one of event {@code ceId}, oldest first, at most {@code limit}: of the
     * environment {@code environmentId} when not null, else of every environment of {@code applications} (all when
     * null), with types starting with {@code typePrefix} when not null. Empty when no entry has that event.
     */
    public static Optional<List<TimelineEntry>> after(String ceId, String environmentId, Set<String> applications,
            String typePrefix, int limit) {
        Optional<TimelineEntry> anchor = TimelineEntry.<TimelineEntry>find("ceId = ?1 order by id", ceId)
                .firstResultOptional();
        if (anchor.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder query = new StringBuilder("id > :after");
        Map<String, Object> params = new HashMap<>(Map.of("after", anchor.get().id));
        if (environmentId != null) {
            query.append(" and environmentId = :env");
            params.put("env", environmentId);
        }
        if (applications != null) {
            query.append(" and environmentId in (select e.id from Environment e where e.applicationId in :apps)");
            params.put("apps", applications.isEmpty() ? Set.of("") : applications);
        }
        if (typePrefix != null) {
            query.append(" and substring(type, 1, :length) = :prefix");
            params.put("length", typePrefix.length());
            params.put("prefix", typePrefix);
        }
        return Optional.of(TimelineEntry.<TimelineEntry>find(query + " order by id", params).page(0, limit).list());
    }

    /** The environment's latest {@code count} entries, oldest first. */
    public static List<TimelineEntry> latestOf(String environmentId, int count) {
        List<TimelineEntry> latest = new java.util.ArrayList<>(TimelineEntry.<TimelineEntry>find(
                "environmentId = ?1 order by id desc", environmentId).page(0, count).list());
        java.util.Collections.reverse(latest);
        return latest;
    }
}

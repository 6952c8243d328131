package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.cloudevents.EventJson;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

/** One running instance of an application for a pull request or a branch, as the process manager keeps it. */
@Entity
@Table(name = "environment")
public class Environment extends PanacheEntityBase {

    /** Ephemeral environments belong to a pull request and expire; permanent ones follow a branch. */
    public enum Kind {
        EPHEMERAL, PERMANENT
    }

    @Id
    public String id;
    @Column(name = "application_id")
    public String applicationId;
    @Enumerated(EnumType.STRING)
    public Kind kind;
    public String branch;
    @Column(name = "pull_request")
    public Integer pullRequest;
    @Enumerated(EnumType.STRING)
    public EnvironmentState state;
    @Column(name = "desired_commit")
    public String desiredCommit;
    @Column(name = "deployed_commit")
    public String deployedCommit;
    public String spec;
    @Column(name = "spec_hash")
    public String specHash;
    @Column(name = "deployed_spec_hash")
    public String deployedSpecHash;
    /** JSON: service name to the image it runs now. */
    public String images;
    /** JSON: service name to URL. */
    public String endpoints;
    @Column(name = "active_workflow_id")
    public String activeWorkflowId;
    @Column(name = "active_deadline")
    public OffsetDateTime activeDeadline;
    /** A pull request from a fork, or one whose payload does not say where its head comes from. */
    @Column(name = "from_fork")
    public boolean fromFork;
    /** The commit of a fork's pull request that a deployer approved; no other commit of it is built. */
    @Column(name = "approved_commit")
    public String approvedCommit;
    /** A fork's pull request whose desired commit is not approved: nothing is built until a deployer approves it. */
    @Column(name = "awaiting_approval")
    public boolean awaitingApproval;
    @Column(name = "failure_reason")
    public String failureReason;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
    @Column(name = "expires_at")
    public OffsetDateTime expiresAt;
    /** The environment's own pause schedule (JSON); with {@link #pauseScheduleSet} and null: none at all. */
    @Column(name = "pause_schedule")
    public String pauseSchedule;
    /** Whether the environment's own schedule (or none) wins over its application's. */
    @Column(name = "pause_schedule_set")
    public boolean pauseScheduleSet;
    /** Who paused it: {@code schedule} (the schedule resumes it) or {@code manual}; null when not paused. */
    @Column(name = "paused_by")
    public String pausedBy;
    /** A person resumed it inside a pause window: the schedule does not pause it again before this. */
    @Column(name = "schedule_skip_until")
    public OffsetDateTime scheduleSkipUntil;
    /** When the router last had a request for one of its host names (read from its access log); null: none seen. */
    @Column(name = "last_request_at", insertable = false, updatable = false) // written by SleepWatch.requestAt only
    public OffsetDateTime lastRequestAt;
    /** JSON: where each imported application was last built from ({@code BuildCompleted.imports}); null: none. */
    public String imports;
    /** A branch an imported application is built from moved while the environment was busy: build again when READY. */
    @Column(name = "imports_stale")
    public boolean importsStale;
    /** When it was queued for a running slot; null unless QUEUED. */
    @Column(name = "queued_at")
    public OffsetDateTime queuedAt;
    /** Since when its desired commit waits for a build slot; null: not waiting. */
    @Column(name = "build_waiting_since")
    public OffsetDateTime buildWaitingSince;
    /** When it was last created, deployed or resumed: eviction takes the least recently used first. */
    @Column(name = "used_at")
    public OffsetDateTime usedAt;
    /** What the quota did to it (paused or torn down to make room for another environment); for its comment. */
    @Column(name = "quota_note")
    public String quotaNote;
    @Version
    public long version;

    public EnvironmentSpec spec() {
        return EventJson.read(spec, EnvironmentSpec.class);
    }

    public Map<String, String> images() {
        return readMap(images);
    }

    public Map<String, String> endpoints() {
        return readMap(endpoints);
    }

    static Map<String, String> readMap(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return EventJson.mapper().readValue(json, new TypeReference<Map<String, String>>() {
            });
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The environments following {@code branch} that can still be deployed ({@link EnvironmentState#alive()}): one
     * being torn down is going, and a push or a reopened pull request gets a new one.
     */
    public static List<Environment> liveForBranch(String applicationId, String branch) {
        return list("applicationId = ?1 and branch = ?2 and state <> ?3 and state <> ?4", applicationId, branch,
                EnvironmentState.TEARING_DOWN, EnvironmentState.DELETED);
    }

    /**
     * The environments that can still be deployed whose last build took imported application {@code application} from
     * {@code branch}.
     */
    public static List<Environment> importing(String application, String branch) {
        List<Environment> candidates = list("imports like ?1 and state <> ?2 and state <> ?3",
                "%\"application\":\"" + application + "\"%", EnvironmentState.TEARING_DOWN, EnvironmentState.DELETED);
        return candidates.stream().filter(env -> {
            try {
                for (var i : EventJson.mapper().readTree(env.imports)) {
                    if (application.equals(i.path("application").asText())
                            && branch.equals(i.path("branch").asText())) {
                        return true;
                    }
                }
                return false;
            } catch (java.io.IOException e) {
                return false;
            }
        }).toList();
    }

    /** The environment of a pull request that can still be deployed, as {@link #liveForBranch} says it. */
    public static Environment liveForPullRequest(String applicationId, int pullRequest) {
        return find("applicationId = ?1 and pullRequest = ?2 and state <> ?3 and state <> ?4", applicationId,
                pullRequest, EnvironmentState.TEARING_DOWN, EnvironmentState.DELETED).firstResult();
    }
}

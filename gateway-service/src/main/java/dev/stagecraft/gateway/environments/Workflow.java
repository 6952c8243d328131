package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One pass of a stage over an environment. */
@Entity
@Table(name = "workflow")
public class Workflow extends PanacheEntityBase {

    @Id
    public String id;
    @Column(name = "environment_id")
    public String environmentId;
    @Enumerated(EnumType.STRING)
    public Stage stage;
    @Column(name = "commit_sha")
    public String commit;
    @Enumerated(EnumType.STRING)
    public WorkflowStatus status;
    /** JSON: service to image; for a build, what it produced; for setup and patch, what they deploy. */
    public String images;
    public String reason;
    @Column(name = "started_at")
    public OffsetDateTime startedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public Map<String, String> images() {
        return Environment.readMap(images);
    }

    public static List<Workflow> ofEnvironment(String environmentId) {
        return list("environmentId = ?1 order by startedAt", environmentId);
    }

    /** The workflows of each of the environments, oldest first, in one query. */
    public static Map<String, List<Workflow>> ofEnvironments(List<String> environmentIds) {
        Map<String, List<Workflow>> byEnvironment = new HashMap<>();
        Workflow.<Workflow>list("environmentId in ?1 order by startedAt", environmentIds)
                .forEach(wf -> byEnvironment.computeIfAbsent(wf.environmentId, k -> new ArrayList<>()).add(wf));
        return byEnvironment;
    }
}

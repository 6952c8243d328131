package dev.stagecraft.gateway.logs;

import java.time.OffsetDateTime;
import java.util.List;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One stored line of build or task output. */
@Entity
@Table(name = "log_line")
public class LogLineEntry extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    @Column(name = "ce_id")
    public String ceId;
    @Column(name = "environment_id")
    public String environmentId;
    @Column(name = "workflow_id")
    public String workflowId;
    public String source;
    public String line;
    @Column(name = "received_at")
    public OffsetDateTime receivedAt;

    /** Lines of a workflow after the line {@code after} (0: from the start), oldest first, optionally of one source. */
    public static List<LogLineEntry> page(String workflowId, String source, long after, int limit) {
        if (source == null) {
            return find("workflowId = ?1 and id > ?2 order by id", workflowId, after).page(0, limit).list();
        }
        return find("workflowId = ?1 and source = ?2 and id > ?3 order by id", workflowId, source, after)
                .page(0, limit).list();
    }

    public static long countOf(String workflowId) {
        return count("workflowId", workflowId);
    }
}

package dev.stagecraft.gateway.status;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * The comment (GitLab: note) Stagecraft keeps on an environment's pull request, whatever its host: the host's id
 * for it, a hash of what it says now, and the expiry its last warning was about.
 */
@Entity
@Table(name = "pull_request_comment")
public class PullRequestComment extends PanacheEntityBase {

    @Id
    @Column(name = "environment_id")
    public String environmentId;
    @Column(name = "comment_id")
    public long commentId;
    @Column(name = "body_hash")
    public String bodyHash;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
    /** The expiry the comment warns about now; none when it does not warn. */
    @Column(name = "expiry_warned_for")
    public OffsetDateTime expiryWarnedFor;
}

package dev.stagecraft.gateway.github;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The comment Stagecraft keeps on an environment's pull request, and a hash of what it says now. */
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
}

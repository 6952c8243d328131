package dev.stagecraft.gateway.status;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The GitHub deployment of one commit to one environment, so that an event read twice does not make a second. */
@Entity
@Table(name = "github_deployment")
public class GitHubDeployment extends PanacheEntityBase {

    @Id
    @Column(name = "deployment_id")
    public long deploymentId;
    @Column(name = "environment_id")
    public String environmentId;
    @Column(name = "commit_sha")
    public String commit;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    static GitHubDeployment of(String environmentId, String commit) {
        return find("environmentId = ?1 and commit = ?2", environmentId, commit).firstResult();
    }

    /** The environment's newest deployment, or null. */
    static GitHubDeployment latest(String environmentId) {
        return find("environmentId = ?1 order by createdAt desc, deploymentId desc", environmentId).firstResult();
    }
}

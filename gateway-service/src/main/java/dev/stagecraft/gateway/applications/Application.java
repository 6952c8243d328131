package dev.stagecraft.gateway.applications;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.jpa.HibernateHints;

/** A registered repository with its templates: what every environment of it is made from. */
@Entity
@Table(name = "application")
public class Application extends PanacheEntityBase {

    @Id
    public String id;
    public String name;
    @Column(name = "repository_url")
    public String repositoryUrl;
    /** The repository URL normalised for matching webhook payloads: lower case, no scheme, no ".git". */
    @Column(name = "repository_key")
    public String repositoryKey;
    public String provider;
    @Column(name = "webhook_secret")
    public String webhookSecret;
    /** The Application Template in Release's format: as registered, or generated from {@link #templateSource}. */
    public String template;
    /** release or compose. */
    @Column(name = "template_format")
    public String templateFormat;
    /** The docker-compose file the template was generated from; null for a Release template. */
    @Column(name = "template_source")
    public String templateSource;
    @Column(name = "environment_variables")
    public String environmentVariables;
    public String runtime;
    /** With a label set, only pull requests carrying it get an environment, and removing it tears that down. */
    @Column(name = "pull_request_label")
    public String pullRequestLabel;
    /** The pause schedule its ephemeral environments follow unless they set their own (JSON); null: none. */
    @Column(name = "pause_schedule")
    public String pauseSchedule;
    /** How long its environments may go without a request before they sleep (ISO-8601); null: they never do. */
    @Column(name = "sleep_after")
    public String sleepAfter;
    /** At most this many of its environments run at once ({@code EnvironmentState.running()}); null: no limit. */
    @Column(name = "max_running_environments")
    public Integer maxRunningEnvironments;
    /** At most this many of its builds run at once; null: no limit. */
    @Column(name = "max_concurrent_builds")
    public Integer maxConcurrentBuilds;
    /** What a new environment past the limit does: {@code queue} or {@code evict}; null: the installation's policy. */
    public String overflow;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    /**
     * The applications of any of {@code urls} (blank ones left out), in one query: a payload names its repository
     * several ways (web, clone and SSH URLs), which usually come to one key.
     */
    public static List<Application> forRepositories(Collection<String> urls) {
        Set<String> keys = new LinkedHashSet<>();
        for (String url : urls) {
            if (url != null && !url.isBlank()) {
                keys.add(repositoryKey(url));
            }
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        // read only: a delivery changes no application, and its large template columns need no copy to compare at flush
        return find("repositoryKey in ?1", keys).withHint(HibernateHints.HINT_READ_ONLY, true).list();
    }

    public static String repositoryKey(String url) {
        String key = url.trim().toLowerCase(Locale.ROOT);
        key = key.replaceFirst("^[a-z+]+://", "").replaceFirst("^[^@/]+@", "");
        key = key.replaceFirst("^([^/:]+):(?!\\d)", "$1/");
        while (key.endsWith("/")) {
            key = key.substring(0, key.length() - 1);
        }
        if (key.endsWith(".git")) {
            key = key.substring(0, key.length() - 4);
        }
        return key;
    }
}

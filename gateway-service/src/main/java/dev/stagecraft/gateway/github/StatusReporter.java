package dev.stagecraft.gateway.github;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentReady;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.events.StagecraftMessage;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.KafkaCloudEvents;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.events.cloudevents.UnreadableEventException;
import dev.stagecraft.gateway.applications.Application;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.Workflow;
import dev.stagecraft.gateway.hosts.HostApiException;
import dev.stagecraft.messaging.tracing.MessageTracing;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;

/**
 * Tells GitHub how an environment of a pull request or branch is doing: a commit status per workflow (context
 * {@code stagecraft/<environment>}: pending while it builds, sets up or patches, success with the URL when ready,
 * failure with the reason) and, for a pull request, one comment listing the environment's URLs and state, edited in
 * place and marked when the environment is deleted. It reads the lifecycle topic in a consumer group of its own, so
 * a slow or failing GitHub never holds up a workflow; a failed call is retried with backoff ({@link GitHubApi}'s
 * fault tolerance), then logged and left.
 */
@ApplicationScoped
public class StatusReporter {

    private static final Logger LOG = Logger.getLogger(StatusReporter.class);
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'");

    @Inject
    GitHubApi github;

    @Inject
    MessageTracing tracing;

    /** What one event means for GitHub, read from the database when the event is handled. */
    record Snapshot(String repository, String environmentId, String application, Integer pullRequest, String state,
            String commit, Map<String, String> endpoints, String failureReason, OffsetDateTime expiresAt,
            PullRequestComment comment) {
    }

    @Incoming("github-status")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        if (!github.enabled()) {
            return;
        }
        CloudEvent event;
        try {
            event = KafkaCloudEvents.fromRecord(record);
        } catch (UnreadableEventException e) {
            return;
        }
        StagecraftMessage data = event.data();
        boolean status = data instanceof BuildStarted || data instanceof SetupStarted || data instanceof PatchStarted
                || data instanceof EnvironmentReady || data instanceof EnvironmentFailed;
        boolean comment = data instanceof BuildStarted || data instanceof EnvironmentReady
                || data instanceof EnvironmentFailed || data instanceof TeardownStarted
                || data instanceof EnvironmentDeleted;
        if (!status && !comment) {
            return;
        }
        // the calls to GitHub in the trace of the event they report
        tracing.consume(record, () -> report(event, status, comment));
    }

    private void report(CloudEvent event, boolean status, boolean comment) {
        Snapshot snapshot = QuarkusTransaction.requiringNew().call(() -> snapshot(event));
        if (snapshot == null) {
            return;
        }
        if (status && snapshot.commit() != null) {
            reportStatus(snapshot, event.data());
        }
        if (comment && snapshot.pullRequest() != null) {
            reportComment(snapshot);
        }
    }

    private static Snapshot snapshot(CloudEvent event) {
        Environment env = Environment.findById(event.subject());
        if (env == null) {
            return null;
        }
        Application app = Application.findById(env.applicationId);
        if (!"github".equals(app.provider)) {
            return null;
        }
        String repository = GitHubApi.repository(app.repositoryUrl).orElse(null);
        if (repository == null) {
            return null;
        }
        String commit = event.data() instanceof EnvironmentReady ready ? ready.commit() : null;
        if (commit == null && event.workflowId() != null) {
            Workflow wf = Workflow.findById(event.workflowId());
            commit = wf == null ? null : wf.commit;
        }
        // endpoints in the template's order of services: the first is the one a status links to
        Map<String, String> endpoints = new java.util.LinkedHashMap<>();
        Map<String, String> known = env.endpoints();
        env.spec().services().forEach(service -> {
            if (known.containsKey(service.name())) {
                endpoints.put(service.name(), known.get(service.name()));
            }
        });
        known.forEach(endpoints::putIfAbsent);
        return new Snapshot(repository, env.id, app.name, env.pullRequest, env.state.name(), commit, endpoints,
                env.failureReason, env.expiresAt, PullRequestComment.findById(env.id));
    }

    private void reportStatus(Snapshot s, StagecraftMessage data) {
        String state;
        String description;
        String target = null;
        if (data instanceof BuildStarted) {
            state = "pending";
            description = "building " + s.commit().substring(0, Math.min(7, s.commit().length()));
        } else if (data instanceof SetupStarted) {
            state = "pending";
            description = "setting up the environment";
        } else if (data instanceof PatchStarted) {
            state = "pending";
            description = "patching the environment";
        } else if (data instanceof EnvironmentReady) {
            state = "success";
            description = "environment " + s.environmentId() + " is ready";
            target = s.endpoints().isEmpty() ? null : s.endpoints().values().iterator().next();
        } else {
            state = "failure";
            description = ((EnvironmentFailed) data).reason();
        }
        String finalTarget = target;
        reported("status " + state + " of " + s.commit(), () -> {
            github.commitStatus(s.repository(), s.commit(), state, description, finalTarget,
                    "stagecraft/" + s.environmentId());
            return null;
        });
    }

    private void reportComment(Snapshot s) {
        String body = body(s);
        String hash = SpecHash.sha256(body);
        PullRequestComment existing = s.comment();
        if (existing != null && existing.bodyHash.equals(hash)) {
            return;
        }
        Long id = reported("comment on pull request #" + s.pullRequest(), () -> {
            if (existing != null) {
                try {
                    github.updateComment(s.repository(), existing.commentId, body);
                    return existing.commentId;
                } catch (HostApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    // someone deleted the comment: post a new one
                }
            }
            return github.createComment(s.repository(), s.pullRequest(), body);
        });
        if (id != null) {
            QuarkusTransaction.requiringNew().run(() -> {
                PullRequestComment c = PullRequestComment.findById(s.environmentId());
                boolean first = c == null;
                if (first) {
                    c = new PullRequestComment();
                    c.environmentId = s.environmentId();
                }
                c.commentId = id;
                c.bodyHash = hash;
                c.updatedAt = OffsetDateTime.now();
                if (first) {
                    c.persist();
                }
            });
        }
    }

    static String body(Snapshot s) {
        StringBuilder md = new StringBuilder();
        md.append("<!-- stagecraft:environment=").append(s.environmentId()).append(" -->\n");
        md.append("### Stagecraft environment `").append(s.environmentId()).append("`\n\n");
        if (s.state().equals("DELETED")) {
            md.append("**Deleted.** The environment was torn down; nothing of it is left.\n");
            return md.toString();
        }
        md.append("**State:** ").append(s.state());
        if (s.commit() != null) {
            md.append(" · commit `").append(s.commit(), 0, Math.min(7, s.commit().length())).append('`');
        }
        if (s.expiresAt() != null) {
            md.append(" · expires ").append(WHEN.format(s.expiresAt().withOffsetSameInstant(ZoneOffset.UTC)));
        }
        md.append("\n");
        if (s.failureReason() != null && s.state().equals("FAILED")) {
            md.append("\n> ").append(s.failureReason().replace("\n", " ")).append("\n");
        }
        if (!s.endpoints().isEmpty() && !s.state().equals("TEARING_DOWN")) {
            md.append("\n| Service | URL |\n|---|---|\n");
            s.endpoints().forEach((service, url) -> md.append("| ").append(service).append(" | ").append(url)
                    .append(" |\n"));
        }
        return md.toString();
    }

    /** Runs a GitHub call (which retries what may pass later); null, logged, when it failed for good. */
    private static <T> T reported(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (HostApiException | FaultToleranceException e) {
            LOG.errorf("GitHub %s failed, left: %s", what, e.getMessage());
            return null;
        }
    }
}

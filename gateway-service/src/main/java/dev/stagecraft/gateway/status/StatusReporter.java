package dev.stagecraft.gateway.status;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.faulttolerance.exceptions.FaultToleranceException;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.EnvironmentDeleted;
import dev.stagecraft.events.EnvironmentEvicted;
import dev.stagecraft.events.EnvironmentFailed;
import dev.stagecraft.events.EnvironmentQueued;
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
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentState;
import dev.stagecraft.gateway.environments.Quotas;
import dev.stagecraft.gateway.environments.Stage;
import dev.stagecraft.gateway.environments.Workflow;
import dev.stagecraft.gateway.environments.WorkflowStatus;
import dev.stagecraft.gateway.hosts.CommitStatus;
import dev.stagecraft.gateway.hosts.HostApiException;
import dev.stagecraft.gateway.hosts.StatusHost;
import dev.stagecraft.messaging.tracing.MessageTracing;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;

/**
 * Tells the application's git host (GitHub, GitLab or Bitbucket Cloud, each through its own API) how an environment
 * of a pull request or branch is doing: a commit status per environment (name {@code stagecraft/<environment>}:
 * running while it builds, sets up or patches, success with the URL when ready, failure with the reason, cancelled
 * when a teardown stopped its workflow), on GitHub also a deployment per commit ({@link GitHubDeployments}), and for
 * a pull request one comment listing the environment's URLs and state ({@link CommentText}), edited in place and
 * marked when the environment is deleted. It reads the lifecycle topic in a consumer group of its own, so a slow or
 * failing host never holds up a workflow; a failed call is retried with backoff (the host's fault tolerance), then
 * logged and left. Hosts without a token are told nothing.
 */
@ApplicationScoped
public class StatusReporter {

    private static final Logger LOG = Logger.getLogger(StatusReporter.class);

    @Inject
    Instance<StatusHost> hosts;

    @Inject
    GitHubDeployments deployments;

    @Inject
    GatewayConfig config;

    @Inject
    Clock clock;

    @Inject
    MessageTracing tracing;

    @Incoming("host-status")
    @Blocking
    public void onRecord(ConsumerRecord<String, String> record) {
        if (hosts.stream().noneMatch(StatusHost::enabled)) {
            return;
        }
        CloudEvent event;
        try {
            event = KafkaCloudEvents.fromRecord(record);
        } catch (UnreadableEventException e) {
            return;
        }
        StagecraftMessage data = event.data();
        boolean started = data instanceof BuildStarted || data instanceof SetupStarted || data instanceof PatchStarted;
        boolean status = started || data instanceof EnvironmentReady || data instanceof EnvironmentFailed
                || data instanceof EnvironmentDeleted;
        boolean comment = data instanceof BuildStarted || data instanceof EnvironmentReady
                || data instanceof EnvironmentFailed || data instanceof TeardownStarted
                || data instanceof EnvironmentDeleted || data instanceof EnvironmentQueued
                || data instanceof EnvironmentEvicted;
        if (!status && !comment) {
            return;
        }
        // the calls to the host in the trace of the event they report
        tracing.consume(record, () -> report(event, data, status, comment));
    }

    private void report(CloudEvent event, StagecraftMessage data, boolean status, boolean comment) {
        Snapshot snapshot = QuarkusTransaction.requiringNew().call(() -> snapshot(event.subject(), event.workflowId(),
                data));
        StatusHost host = snapshot == null ? null : host(snapshot.provider());
        if (host == null) {
            return;
        }
        if (status) {
            reportStatus(host, snapshot, data);
            deployments.report(snapshot, data);
        }
        if (comment && snapshot.pullRequest() != null) {
            reportComment(host, snapshot);
        }
        if (data instanceof BuildStarted || data instanceof EnvironmentDeleted) {
            // an environment left the queue (or the line): the places of those behind it moved up
            List<String> queued = QuarkusTransaction.requiringNew().call(() -> Environment.<Environment>list(
                    "applicationId = (select e.applicationId from Environment e where e.id = ?1) and state = ?2",
                    event.subject(), EnvironmentState.QUEUED).stream().map(e -> e.id).toList());
            queued.forEach(this::refreshComment);
        }
    }

    /**
     * Renders the pull request comment of environment {@code environmentId} again, outside any event: the expiry
     * check does, when a warning is due or one no longer applies.
     */
    void refreshComment(String environmentId) {
        Snapshot snapshot = QuarkusTransaction.requiringNew().call(() -> snapshot(environmentId, null, null));
        StatusHost host = snapshot == null ? null : host(snapshot.provider());
        if (host != null && snapshot.pullRequest() != null) {
            reportComment(host, snapshot);
        }
    }

    /** The host of {@code provider} when it has a token. */
    private StatusHost host(String provider) {
        return hosts.stream().filter(h -> h.provider().equals(provider) && h.enabled()).findFirst().orElse(null);
    }

    /**
     * {@code workflowId} and {@code data}: the event's, which name the commit and stage; without them (a refresh),
     * the commit is the active workflow's, or the deployed one.
     */
    private static Snapshot snapshot(String environmentId, String workflowId, StagecraftMessage data) {
        Environment env = environmentId == null ? null : Environment.findById(environmentId);
        if (env == null) {
            return null;
        }
        Application app = Application.findById(env.applicationId);
        String commit = data instanceof EnvironmentReady ready ? ready.commit() : null;
        Stage stage = null;
        String workflow = workflowId != null ? workflowId : data == null ? env.activeWorkflowId : null;
        Workflow wf = workflow == null ? null : Workflow.findById(workflow);
        if (wf != null) {
            commit = commit == null ? wf.commit : commit;
            stage = wf.stage;
        } else if (data == null) {
            commit = env.deployedCommit;
        }
        String cancelled = data instanceof EnvironmentDeleted ? cancelledCommit(env.id) : null;
        // endpoints in the template's order of services: the first is the one a status links to
        Map<String, String> endpoints = new LinkedHashMap<>();
        Map<String, String> known = env.endpoints();
        env.spec().services().forEach(service -> {
            if (known.containsKey(service.name())) {
                endpoints.put(service.name(), known.get(service.name()));
            }
        });
        known.forEach(endpoints::putIfAbsent);
        return new Snapshot(app.provider, app.repositoryUrl, env.id, app.name, env.kind, env.branch, env.pullRequest,
                env.state, commit, stage, endpoints, env.failureReason, env.expiresAt, cancelled,
                Quotas.queuePosition(env), env.quotaNote);
    }

    /** The commit of the environment's last build, setup or patch, when the teardown cancelled it. */
    private static String cancelledCommit(String environmentId) {
        return Workflow.ofEnvironment(environmentId).stream().filter(wf -> wf.stage != Stage.TEARDOWN)
                .max(Comparator.comparing(wf -> wf.startedAt))
                .filter(wf -> wf.status == WorkflowStatus.CANCELLED && wf.commit != null).map(wf -> wf.commit)
                .orElse(null);
    }

    private void reportStatus(StatusHost host, Snapshot s, StagecraftMessage data) {
        String name = "stagecraft/" + s.environmentId();
        String commit = data instanceof EnvironmentDeleted ? s.cancelledCommit() : s.commit();
        if (commit == null) {
            return;
        }
        CommitStatus status;
        if (data instanceof BuildStarted) {
            status = new CommitStatus(CommitStatus.State.RUNNING, name, "building " + s.shortCommit(commit), null);
        } else if (data instanceof SetupStarted) {
            status = new CommitStatus(CommitStatus.State.RUNNING, name, "setting up the environment", null);
        } else if (data instanceof PatchStarted) {
            status = new CommitStatus(CommitStatus.State.RUNNING, name, "patching the environment", null);
        } else if (data instanceof EnvironmentReady) {
            status = new CommitStatus(CommitStatus.State.SUCCESS, name, "environment " + s.environmentId()
                    + " is ready", s.firstEndpoint());
        } else if (data instanceof EnvironmentFailed failed) {
            status = new CommitStatus(CommitStatus.State.FAILURE, name, failed.reason(), null);
        } else {
            status = new CommitStatus(CommitStatus.State.CANCELLED, name, "cancelled: environment "
                    + s.environmentId() + " was torn down", null);
        }
        reported(host.displayName() + " status " + status.state() + " of " + commit, () -> {
            host.commitStatus(s.repositoryUrl(), commit, status);
            return null;
        });
    }

    /** One comment at a time: the expiry check and the events would otherwise both post a first one. */
    private synchronized void reportComment(StatusHost host, Snapshot s) {
        OffsetDateTime now = OffsetDateTime.now(clock);
        String body = CommentText.render(s, now, config.environments().expiryWarning());
        OffsetDateTime warnedFor = CommentText.warnsOfExpiry(s, now, config.environments().expiryWarning())
                ? s.expiresAt() : null;
        String hash = SpecHash.sha256(body);
        PullRequestComment existing = QuarkusTransaction.requiringNew().call(() -> PullRequestComment.findById(
                s.environmentId()));
        if (existing != null && existing.bodyHash.equals(hash)) {
            if (!Objects.equals(existing.expiryWarnedFor, warnedFor)) {
                save(s.environmentId(), existing.commentId, hash, warnedFor);
            }
            return;
        }
        Long id = reported(host.displayName() + " comment on pull request #" + s.pullRequest(), () -> {
            if (existing != null) {
                try {
                    host.updateComment(s.repositoryUrl(), s.pullRequest(), existing.commentId, body);
                    return existing.commentId;
                } catch (HostApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    // someone deleted the comment: post a new one
                }
            }
            return host.createComment(s.repositoryUrl(), s.pullRequest(), body);
        });
        if (id != null) {
            save(s.environmentId(), id, hash, warnedFor);
        }
    }

    private static void save(String environmentId, long commentId, String hash, OffsetDateTime warnedFor) {
        QuarkusTransaction.requiringNew().run(() -> {
            PullRequestComment c = PullRequestComment.findById(environmentId);
            boolean first = c == null;
            if (first) {
                c = new PullRequestComment();
                c.environmentId = environmentId;
            }
            c.commentId = commentId;
            c.bodyHash = hash;
            c.expiryWarnedFor = warnedFor;
            c.updatedAt = OffsetDateTime.now();
            if (first) {
                c.persist();
            }
        });
    }

    /** Runs a host call (which retries what may pass later); null, logged, when it failed for good. */
    static <T> T reported(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (HostApiException | FaultToleranceException e) {
            LOG.errorf("%s failed, left: %s", what, e.getMessage());
            return null;
        }
    }
}

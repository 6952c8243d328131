package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.applications.Application;

/**
 * An environment as the API shows it, with the pause schedule it follows ({@code pauseScheduleFrom}: "environment"
 * when its own, or none, wins; "application"; null when there is none) and who paused it ({@code pausedBy}: schedule
 * or manual, or quota when eviction paused it), its place in the queue for a running slot ({@code queuePosition}, when
 * QUEUED) or for a build slot ({@code buildQueuePosition}, when its commit waits for one), and what the quota did to
 * it ({@code quotaNote})., when the router last had a request for it
 * ({@code lastRequestAt}, where the gateway reads the router's access log; {@code pausedBy} idle: asleep, a request
 * wakes it) and where its imported applications were last built from ({@code imports}: application, branch,
 * commit). The single-environment view adds the timeline and {@code runAsRoot}: the
 * services whose template opted them out of running as non-root ({@code run_as_root}), which on Kubernetes lowers
 * the namespace's Pod Security level to baseline.
 */
public record EnvironmentView(String id, String application, String kind, String branch, Integer pullRequest,
        String state, boolean awaitingApproval, String desiredCommit, String deployedCommit, String specHash,
        Map<String, String> endpoints, Map<String, String> images, String failureReason, String activeWorkflow,
        OffsetDateTime expiresAt, OffsetDateTime createdAt, OffsetDateTime updatedAt, List<String> runAsRoot,
        PauseSchedule pauseSchedule, String pauseScheduleFrom, String pausedBy, Integer queuePosition,
        Integer buildQueuePosition, String quotaNote, OffsetDateTime lastRequestAt, JsonNode imports,
        List<WorkflowView> workflows, List<TimelineView> timeline) {

    /** One workflow run of the environment. */
    public record WorkflowView(String id, String stage, String commit, String status, String reason,
            Map<String, String> images, OffsetDateTime startedAt, OffsetDateTime finishedAt) {

        public static WorkflowView of(Workflow wf) {
            return new WorkflowView(wf.id, wf.stage.name(), wf.commit, wf.status.name(), wf.reason, wf.images(),
                    wf.startedAt, wf.finishedAt);
        }
    }

    /** One event of the environment's history. */
    public record TimelineView(String type, String workflowId, boolean applied, JsonNode detail, OffsetDateTime at) {

        static TimelineView of(TimelineEntry e) {
            return new TimelineView(e.type, e.workflowId, e.applied, parse(e.detail), e.occurredAt);
        }
    }

    /** The single-environment view shows this many latest timeline entries; all are at /timeline, paged. */
    static final int TIMELINE_SHOWN = 500;

    public static EnvironmentView of(Environment env, boolean withTimeline) {
        Application app = Application.findById(env.applicationId);
        return of(env, app.name, app.pauseSchedule, Workflow.ofEnvironment(env.id), withTimeline);
    }

    /**
     * The views of a page of environments, as the list shows them: their applications' names and their workflows
     * come from one query each, not two per environment.
     */
    public static List<EnvironmentView> ofPage(List<Environment> page) {
        if (page.isEmpty()) {
            return List.of();
        }
        Map<String, String> names = new HashMap<>();
        Map<String, String> schedules = new HashMap<>();
        Application.getEntityManager().createQuery("select a.id, a.name, a.pauseSchedule from Application a"
                + " where a.id in :ids", Object[].class).setParameter("ids", page.stream().map(e -> e.applicationId)
                .distinct().toList()).getResultList().forEach(row -> {
                    names.put((String) row[0], (String) row[1]);
                    schedules.put((String) row[0], (String) row[2]);
                });
        Map<String, List<Workflow>> workflows = Workflow.ofEnvironments(page.stream().map(e -> e.id).toList());
        return page.stream().map(env -> of(env, names.get(env.applicationId), schedules.get(env.applicationId),
                workflows.getOrDefault(env.id, List.of()), false)).toList();
    }

    private static EnvironmentView of(Environment env, String application, String applicationSchedule,
            List<Workflow> workflows, boolean withTimeline) {
        List<WorkflowView> recent = workflows.subList(Math.max(0, workflows.size() - 10), workflows.size()).stream()
                .map(WorkflowView::of).toList();
        List<TimelineView> timeline = withTimeline ? TimelineEntry.latestOf(env.id, TIMELINE_SHOWN).stream()
                .map(TimelineView::of).toList() : null;
        List<String> runAsRoot = withTimeline && env.spec != null ? env.spec().services().stream()
                .filter(EnvironmentSpec.ServiceSpec::runAsRoot).map(EnvironmentSpec.ServiceSpec::name).toList() : null;
        return new EnvironmentView(env.id, application, env.kind.name(), env.branch, env.pullRequest, env.state.name(),
                env.awaitingApproval, env.desiredCommit, env.deployedCommit, env.specHash, env.endpoints(), env.images(),
                env.failureReason, env.activeWorkflowId, env.expiresAt, env.createdAt, env.updatedAt, runAsRoot,
                PauseSchedule.of(env, applicationSchedule), env.pauseScheduleSet ? "environment"
                        : applicationSchedule != null ? "application" : null, env.pausedBy, Quotas.queuePosition(env),
                Quotas.buildQueuePosition(env), env.quotaNote, env.lastRequestAt,
                env.imports == null ? null : parse(env.imports), recent, timeline);
    }

    static JsonNode parse(String json) {
        try {
            return json == null ? null : EventJson.mapper().readTree(json);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}

package dev.stagecraft.gateway.environments;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.logs.LogLineEntry;

/** One workflow as the UI shows it: its events in order, its tasks with their outcome, and its output. */
@Path("/api/workflows")
@Produces(MediaType.APPLICATION_JSON)
public class WorkflowResource {

    static final int LOG_TAIL = 500;

    /** A workflow with its timeline, its tasks and the first {@value #LOG_TAIL} lines of output. */
    public record WorkflowDetail(EnvironmentView.WorkflowView workflow, String environment, List<TaskView> tasks,
            List<EnvironmentView.TimelineView> timeline, LogPage logs) {
    }

    /** One task of a workflow step; {@code status} RUNNING, SUCCEEDED or FAILED. */
    public record TaskView(String task, String status, String message, OffsetDateTime startedAt,
            OffsetDateTime finishedAt) {
    }

    /** Lines of output; {@code next} is the {@code after} that fetches the following page, null at the end. */
    public record LogPage(List<LogView> lines, Long next, long total) {
    }

    /** One line; {@code source} names the service being built or the task. */
    public record LogView(long id, String source, String line, OffsetDateTime at) {
    }

    @GET
    @Path("{id}")
    public WorkflowDetail get(@PathParam("id") String id) {
        Workflow wf = find(id);
        List<TimelineEntry> entries = TimelineEntry.ofWorkflow(id);
        List<EnvironmentView.TimelineView> timeline = entries.stream().map(e -> new EnvironmentView.TimelineView(e.type,
                e.workflowId, e.applied, EnvironmentView.parse(e.detail), e.occurredAt)).toList();
        return new WorkflowDetail(EnvironmentView.WorkflowView.of(wf), wf.environmentId, tasks(entries), timeline,
                page(id, null, 0, LOG_TAIL));
    }

    /** Pages through a workflow's output, optionally of one source (a service's build or one task). */
    @GET
    @Path("{id}/logs")
    public LogPage logs(@PathParam("id") String id, @QueryParam("source") String source,
            @QueryParam("after") @DefaultValue("0") long after, @QueryParam("limit") @DefaultValue("1000") int limit) {
        find(id);
        if (limit < 1 || limit > 10_000) {
            throw ApiException.badRequest("limit must be between 1 and 10000, found " + limit);
        }
        return page(id, source, after, limit);
    }

    private static LogPage page(String workflowId, String source, long after, int limit) {
        List<LogView> lines = LogLineEntry.page(workflowId, source, after, limit).stream()
                .map(l -> new LogView(l.id, l.source, l.line, l.receivedAt)).toList();
        Long next = lines.size() == limit ? lines.get(lines.size() - 1).id() : null;
        return new LogPage(lines, next, LogLineEntry.countOf(workflowId));
    }

    private static List<TaskView> tasks(List<TimelineEntry> entries) {
        Map<String, TaskView> tasks = new LinkedHashMap<>();
        String started = MessageType.TASK_STARTED.ceType();
        String finished = MessageType.TASK_FINISHED.ceType();
        for (TimelineEntry e : entries) {
            JsonNode detail = EnvironmentView.parse(e.detail);
            if (detail == null || !(e.type.equals(started) || e.type.equals(finished))) {
                continue;
            }
            String task = detail.path("task").asText();
            TaskView before = tasks.get(task);
            if (e.type.equals(started)) {
                tasks.put(task, new TaskView(task, "RUNNING", null, e.occurredAt, null));
            } else {
                tasks.put(task, new TaskView(task, detail.path("status").asText(), detail.path("message").asText(null),
                        before == null ? null : before.startedAt(), e.occurredAt));
            }
        }
        return new ArrayList<>(tasks.values());
    }

    private static Workflow find(String id) {
        Workflow wf = Workflow.findById(id);
        if (wf == null) {
            throw ApiException.notFound("workflow", id);
        }
        return wf;
    }
}

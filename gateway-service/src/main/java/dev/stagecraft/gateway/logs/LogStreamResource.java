package dev.stagecraft.gateway.logs;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.Workflow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * A workflow's output as Server-Sent Events, as it is stored: every line after {@code Last-Event-ID} (or
 * {@code ?after=}, a line id; 0: from the start) as an event {@code log} whose id is the line's, then new lines as they
 * come, looked for every {@code stagecraft.events.log-poll}. Once the workflow has finished and no line came for
 * {@value #QUIET_SECONDS} seconds after, an event {@code end} with the workflow's status closes the stream. Lines come
 * from the gateway's table, which every gateway instance shares, so any instance serves any workflow.
 */
@Path("/api/workflows")
public class LogStreamResource {

    /** Lines sent per look at the table; more wait for the next look. */
    static final int BATCH = 500;
    /** Lines may reach the gateway after the workflow's end: a finished workflow's stream waits this long for them. */
    static final int QUIET_SECONDS = 2;

    @Inject
    GatewayConfig config;

    private record Batch(List<LogLineEntry> lines, String endedWith, boolean beat) {
    }

    @GET
    @Path("{id}/logs/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> stream(@Context Sse sse, @PathParam("id") String id,
            @QueryParam("source") String source, @QueryParam("after") Long after,
            @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId) {
        if (Workflow.findById(id) == null) {
            throw ApiException.notFound("workflow", id);
        }
        long from;
        try {
            from = lastEventId != null && !lastEventId.isBlank() ? Long.parseLong(lastEventId.trim())
                    : after == null ? 0L : after;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("Last-Event-ID '" + lastEventId + "' is not the id of a log line (a number)");
        }
        Duration poll = config.events().logPoll();
        long beatEvery = Math.max(1, config.events().heartbeat().toMillis() / Math.max(1, poll.toMillis()));
        AtomicLong last = new AtomicLong(from);
        AtomicBoolean ended = new AtomicBoolean();
        Multi<OutboundSseEvent> lines = Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(poll)
                .onOverflow().drop()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> QuarkusTransaction.requiringNew().call(() -> look(id, source, last, tick % beatEvery == 0)))
                .select().first(batch -> !ended.getAndSet(batch.endedWith() != null))
                .onItem().transformToIterable(batch -> events(sse, batch));
        Multi<OutboundSseEvent> hello = Multi.createFrom().item(sse.newEventBuilder().comment("stream open").build());
        return Multi.createBy().concatenating().streams(hello, lines);
    }

    private static Batch look(String workflowId, String source, AtomicLong last, boolean beat) {
        List<LogLineEntry> lines = LogLineEntry.page(workflowId, source, last.get(), BATCH);
        if (!lines.isEmpty()) {
            last.set(lines.get(lines.size() - 1).id);
            return new Batch(lines, null, false);
        }
        Workflow wf = Workflow.findById(workflowId);
        boolean over = wf == null || wf.status.complete() && wf.finishedAt != null
                && wf.finishedAt.isBefore(OffsetDateTime.now().minusSeconds(QUIET_SECONDS));
        return new Batch(lines, over ? (wf == null ? "GONE" : wf.status.name()) : null, beat);
    }

    private static List<OutboundSseEvent> events(Sse sse, Batch batch) {
        List<OutboundSseEvent> events = new ArrayList<>();
        for (LogLineEntry line : batch.lines()) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("id", line.id);
            data.put("source", line.source);
            data.put("line", line.line);
            data.put("at", line.receivedAt == null ? null : line.receivedAt.toString());
            events.add(sse.newEventBuilder().id(Long.toString(line.id)).name("log")
                    .mediaType(MediaType.APPLICATION_JSON_TYPE).data(EventJson.write(data)).build());
        }
        if (batch.endedWith() != null) {
            events.add(sse.newEventBuilder().name("end").mediaType(MediaType.APPLICATION_JSON_TYPE)
                    .data(EventJson.write(Map.of("status", batch.endedWith()))).build());
        } else if (batch.lines().isEmpty() && batch.beat()) {
            events.add(sse.newEventBuilder().comment("heartbeat").build());
        }
        return events;
    }
}

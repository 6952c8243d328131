package dev.stagecraft.gateway.events;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
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

import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.auth.Caller;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.TimelineEntry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;

/**
 * Server-Sent Events of the lifecycle: every event for one environment, or for all. Each SSE event has the
 * CloudEvent id as {@code id}, its type as {@code event} and as data a JSON object with the envelope and payload;
 * a comment every {@code stagecraft.events.heartbeat} keeps proxies from closing an idle stream.
 * <p>
 * A client that reconnects with {@code Last-Event-ID} (as a browser's EventSource does) first gets the events
 * recorded on the environments' timelines after that one, up to {@value #REPLAY_MAX}, then the live stream, without
 * the events it already got in the replay. The live stream is subscribed before the timeline is read, so an event
 * is not lost between the two. What the timeline does not hold is not replayed: heartbeats (WorkflowProgressed),
 * events without an environment, and events the gateway has not recorded yet when the client reconnects. An id the
 * timeline does not know gets a comment saying so, and the live stream. A client that cannot set the header (a
 * browser opening a new EventSource, e.g. with a fresh stream ticket) names the id as {@code ?lastEventId=}. With
 * {@code ?named=false} events go without their {@code event:} name (the type stays in the data), so a browser's
 * EventSource gets every one as a {@code message}.
 */
@Path("/api")
public class EventStreamResource {

    static final int REPLAY_MAX = 1000;

    @Inject
    LifecycleStream stream;

    @Inject
    Caller caller;

    @Inject
    GatewayConfig config;

    @GET
    @Path("events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> all(@Context Sse sse, @QueryParam("type") String typePrefix,
            @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId,
            @QueryParam("lastEventId") String lastEventIdParam, @QueryParam("named") @DefaultValue("true") boolean named) {
        return stream(sse, e -> typePrefix == null || e.type().startsWith(typePrefix),
                lastEventId != null ? lastEventId : lastEventIdParam, null, typePrefix, named);
    }

    @GET
    @Path("environments/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> ofEnvironment(@Context Sse sse, @PathParam("id") String id,
            @HeaderParam(HttpHeaders.LAST_EVENT_ID_HEADER) String lastEventId,
            @QueryParam("lastEventId") String lastEventIdParam, @QueryParam("named") @DefaultValue("true") boolean named) {
        if (Environment.findById(id) == null) {
            throw ApiException.notFound("environment", id);
        }
        return stream(sse, e -> id.equals(e.subject()), lastEventId != null ? lastEventId : lastEventIdParam, id, null,
                named);
    }

    private Multi<OutboundSseEvent> stream(Sse sse, Predicate<CloudEvent> filter, String lastEventId,
            String environmentId, String typePrefix, boolean named) {
        Set<String> scope = caller.scope(); // read now: the stream outlives the request
        // subscribed before the replay is read, buffered until the replay is sent; when the client goes, the
        // processor's termination ends the subscription to the lifecycle (a processor does not cancel its upstream)
        AtomicReference<Cancellable> upstream = new AtomicReference<>();
        UnicastProcessor<LifecycleStream.Streamed> live = UnicastProcessor.create(new ConcurrentLinkedQueue<>(),
                () -> Optional.ofNullable(upstream.get()).ifPresent(Cancellable::cancel));
        upstream.set(stream.events()
                .filter(s -> filter.test(s.event()) && (scope == null || scope.contains(s.applicationId())))
                .subscribe().with(live::onNext, live::onError, live::onComplete));
        List<OutboundSseEvent> replay = new ArrayList<>();
        Set<String> replayed = new HashSet<>();
        if (lastEventId != null && !lastEventId.isBlank()) {
            Optional<List<TimelineEntry>> after = TimelineEntry.after(lastEventId, environmentId, scope, typePrefix,
                    REPLAY_MAX);
            if (after.isEmpty()) {
                replay.add(sse.newEventBuilder().comment("cannot resume after " + lastEventId
                        + ": no recorded event has that id; the stream goes on from now").build());
            }
            after.orElse(List.of()).forEach(entry -> {
                replayed.add(entry.ceId);
                replay.add(event(sse, entry.ceId, named ? entry.type : null, LifecycleStream.json(entry)));
            });
        }
        Multi<OutboundSseEvent> events = live.filter(s -> !replayed.contains(s.event().id()))
                .map(s -> event(sse, s.event().id(), named ? s.event().type() : null, s.json()));
        Multi<OutboundSseEvent> beats = Multi.createFrom().ticks().every(config.events().heartbeat())
                .map(tick -> sse.newEventBuilder().comment("heartbeat").build());
        Multi<OutboundSseEvent> hello = Multi.createFrom().item(sse.newEventBuilder().comment("stream open").build());
        return Multi.createBy().concatenating().streams(hello, Multi.createFrom().iterable(replay),
                Multi.createBy().merging().streams(events, beats));
    }

    private static OutboundSseEvent event(Sse sse, String id, String name, String json) {
        OutboundSseEvent.Builder event = sse.newEventBuilder().id(id).mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(json);
        return (name == null ? event : event.name(name)).build();
    }
}

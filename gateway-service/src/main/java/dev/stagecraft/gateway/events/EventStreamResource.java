package dev.stagecraft.gateway.events;

import java.time.OffsetDateTime;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.Environment;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;

/**
 * Server-Sent Events of the lifecycle: every event for one environment, or for all. Each SSE event has the
 * CloudEvent id as {@code id}, its type as {@code event} and as data a JSON object with the envelope and payload;
 * a comment every {@code stagecraft.events.heartbeat} keeps proxies from closing an idle stream.
 */
@Path("/api")
public class EventStreamResource {

    @Inject
    LifecycleStream stream;

    @Inject
    dev.stagecraft.gateway.auth.Caller caller;

    @Inject
    GatewayConfig config;

    @GET
    @Path("events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> all(@Context Sse sse, @QueryParam("type") String typePrefix) {
        return stream(sse, e -> typePrefix == null || e.type().startsWith(typePrefix));
    }

    @GET
    @Path("environments/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> ofEnvironment(@Context Sse sse, @PathParam("id") String id) {
        if (Environment.findById(id) == null) {
            throw ApiException.notFound("environment", id);
        }
        return stream(sse, e -> id.equals(e.subject()));
    }

    private Multi<OutboundSseEvent> stream(Sse sse, java.util.function.Predicate<CloudEvent> filter) {
        java.util.Set<String> scope = caller.scope(); // read now: the stream outlives the request
        Multi<OutboundSseEvent> events = stream.events().filter(s -> filter.test(s.event())
                && (scope == null || scope.contains(s.applicationId()))).map(s -> sse
                .newEventBuilder().id(s.event().id()).name(s.event().type()).mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(s.json()).build());
        Multi<OutboundSseEvent> beats = Multi.createFrom().ticks().every(config.events().heartbeat())
                .map(tick -> sse.newEventBuilder().comment("heartbeat").build());
        Multi<OutboundSseEvent> hello = Multi.createFrom().item(sse.newEventBuilder().comment("stream open").build());
        return Multi.createBy().concatenating().streams(hello, Multi.createBy().merging().streams(events, beats));
    }
}

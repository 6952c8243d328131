package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.stagecraft.gateway.config.GatewayConfig;

/**
 * What a client needs to know of its own token: who it is and what it may do ({@code GET /api/me}, so a console
 * shows only the actions the role allows), and a stream ticket ({@code POST /api/stream-tickets}) for the event and
 * log streams of a browser, whose EventSource cannot send the Authorization header.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    /** The caller's token: its name, role and the applications it is limited to (null: all). */
    public record Me(String token, String role, List<String> applications) {
    }

    /**
     * A ticket to name as {@code ?ticket=} when opening {@code /api/events}, {@code /api/environments/{id}/events}
     * or {@code /api/workflows/{id}/logs/stream} until {@code expiresAt}; a stream opened with it stays open after.
     */
    public record Ticket(String ticket, OffsetDateTime expiresAt) {
    }

    @Inject
    Caller caller;

    @Inject
    GatewayConfig config;

    @GET
    @Path("me")
    @Transactional
    public Me me() {
        ApiToken token = ApiToken.findById(caller.tokenId());
        if (token == null) {
            throw new dev.stagecraft.gateway.api.ApiException(401, "unauthenticated",
                    "the API token is not valid (unknown or revoked)");
        }
        return new Me(token.name, token.role.name().toLowerCase(), token.applicationScope());
    }

    @POST
    @Path("stream-tickets")
    @Consumes(MediaType.WILDCARD)
    @Transactional
    public Response issue() {
        OffsetDateTime now = OffsetDateTime.now();
        StreamTicket.delete("expiresAt <= ?1", now);
        String secret = ApiToken.newSecret().replaceFirst("^sc_", "st_");
        StreamTicket ticket = new StreamTicket();
        ticket.ticketHash = ApiToken.hash(secret);
        ticket.tokenId = caller.tokenId();
        ticket.expiresAt = now.plus(config.events().ticketTtl());
        ticket.persist();
        return Response.status(201).entity(new Ticket(secret, ticket.expiresAt)).build();
    }
}

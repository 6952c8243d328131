package dev.stagecraft.messaging.outbox;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * {@code GET /api/admin/outbox}: this service's outbox (rows waiting, the oldest one's time, and the messages set
 * aside with their reasons; payloads are not shown). On the gateway it needs the admin role.
 */
@Path("/api/admin/outbox")
public class OutboxResource {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public OutboxStatus status() {
        return QuarkusTransaction.requiringNew().call(OutboxStatus::read);
    }
}

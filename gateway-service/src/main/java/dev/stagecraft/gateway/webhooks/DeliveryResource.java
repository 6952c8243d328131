package dev.stagecraft.gateway.webhooks;

import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.RestResponse;

import dev.stagecraft.gateway.api.Paging;

/** Every webhook delivery with its outcome, newest first. */
@Path("/api/deliveries")
@Produces(MediaType.APPLICATION_JSON)
public class DeliveryResource {

    @jakarta.inject.Inject
    dev.stagecraft.gateway.auth.Caller caller;

    /** Deliveries newest first; paged (see {@link Paging}). */
    @GET
    public RestResponse<List<Delivery>> list(@QueryParam("limit") Integer limit, @QueryParam("after") String after,
            @Context UriInfo uri) {
        return Paging.newestFirst("receivedAt", limit, after).within(caller.scope(), "applicationId").list(
                (query, params) -> Delivery.find(query, params),
                (Delivery d) -> new Paging.Cursor(d.receivedAt, d.id), d -> d, uri);
    }
}

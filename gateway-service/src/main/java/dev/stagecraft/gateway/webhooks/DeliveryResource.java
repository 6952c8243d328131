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

    /** Deliveries newest first; paged (see {@link Paging}). */
    @GET
    public RestResponse<List<Delivery>> list(@QueryParam("limit") Integer limit, @QueryParam("after") String after,
            @Context UriInfo uri) {
        int size = Paging.limit(limit);
        Paging.Cursor cursor = Paging.after(after);
        List<Delivery> fetched = (cursor == null ? Delivery.<Delivery>find("order by receivedAt desc, id desc")
                : Delivery.<Delivery>find("receivedAt < ?1 or (receivedAt = ?1 and id < ?2) order by receivedAt desc,"
                        + " id desc", cursor.at(), cursor.id())).page(0, size + 1).list();
        return Paging.page(fetched, size, d -> new Paging.Cursor(d.receivedAt, d.id), d -> d, uri);
    }
}

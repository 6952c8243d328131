package dev.stagecraft.gateway.webhooks;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        int size = Paging.limit(limit);
        Paging.Cursor cursor = Paging.after(after);
        Map<String, Object> params = new HashMap<>();
        String query = Paging.newestFirst("receivedAt", cursor, params);
        if (caller.scope() != null) { // a token limited to some applications sees their deliveries only
            query = "applicationId in :scope and " + query;
            params.put("scope", caller.scope().isEmpty() ? java.util.Set.of("") : caller.scope());
        }
        List<Delivery> fetched = Delivery.<Delivery>find(query, params).page(0, size + 1).list();
        return Paging.page(fetched, size, d -> new Paging.Cursor(d.receivedAt, d.id), d -> d, uri);
    }
}

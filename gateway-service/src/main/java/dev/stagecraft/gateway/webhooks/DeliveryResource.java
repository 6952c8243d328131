package dev.stagecraft.gateway.webhooks;

import java.util.List;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Every webhook delivery with its outcome, newest first. */
@Path("/api/deliveries")
@Produces(MediaType.APPLICATION_JSON)
public class DeliveryResource {

    @GET
    public List<Delivery> list(@QueryParam("limit") @DefaultValue("100") int limit) {
        return Delivery.find("order by receivedAt desc").page(0, Math.max(1, Math.min(limit, 1000))).list();
    }
}

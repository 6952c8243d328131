package dev.stagecraft.gateway.sleep;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;

/**
 * Which environment each host name on the router belongs to, read from the router's own routes (Caddy's admin API):
 * the stage services name each route {@code sc-<environment>__<service>} and match it on the service's host names,
 * the generated ones and the template's alike. A read only; the gateway never changes routes.
 */
public class RouterHosts {

    private static final String ID_PREFIX = "sc-";
    private static final String SEPARATOR = "__";

    private final URI routes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** {@code admin}: Caddy's admin API; {@code server}: the HTTP server environments are routed on. */
    public RouterHosts(URI admin, String server) {
        this.routes = admin.resolve("/config/apps/http/servers/" + server + "/routes");
    }

    /** Host name (lower case) to environment id. */
    public Map<String, String> environmentsByHost() throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(routes).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IOException("the router's routes could not be read from " + routes + ": HTTP "
                    + answer.statusCode());
        }
        Map<String, String> environments = new HashMap<>();
        for (JsonNode route : EventJson.mapper().readTree(answer.body())) {
            String id = route.path("@id").asText("");
            int end = id.lastIndexOf(SEPARATOR);
            if (!id.startsWith(ID_PREFIX) || end <= ID_PREFIX.length()) {
                continue;
            }
            String environment = id.substring(ID_PREFIX.length(), end);
            for (JsonNode match : route.path("match")) {
                for (JsonNode host : match.path("host")) {
                    environments.put(host.asText().toLowerCase(Locale.ROOT), environment);
                }
            }
        }
        return environments;
    }
}

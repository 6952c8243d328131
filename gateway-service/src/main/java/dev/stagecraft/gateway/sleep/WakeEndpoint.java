package dev.stagecraft.gateway.sleep;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.quarkus.vertx.http.HttpServer;

/** Where the router reaches this gateway's wake endpoint ({@code GET /router/wake}), as sleeping routes name it. */
@ApplicationScoped
public class WakeEndpoint {

    @Inject
    GatewayConfig config;

    @Inject
    HttpServer server;

    /** {@code stagecraft.sleep.wake-upstream}, else this gateway's HTTP port on loopback (the port it really got). */
    public String address() {
        return config.sleep().wakeUpstream().filter(a -> !a.isBlank()).orElseGet(() -> "127.0.0.1:" + server.getPort());
    }
}

package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;

import java.util.Map;
import java.util.UUID;

/** Registers applications through the API for tests. */
final class Apps {

    static final String TWO_SERVICES = """
            app: shop
            services:
            - name: web
              build:
                context: ./web
              ports:
              - type: container_port
                port: '8080'
            - name: api
              build:
                context: ./api
                dockerfile: Dockerfile
              ports:
              - type: node_port
                target_port: '9090'
                port: '80'
            """;

    private Apps() {
    }

    /** Registers an application for {@code repoUrl} and returns its name. */
    static String register(String repoUrl) {
        String name = "app-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType("application/json")
                .body(Map.of("name", name, "repository", Map.of("url", repoUrl, "provider", "github"),
                        "webhookSecret", Hooks.SECRET, "template", TWO_SERVICES))
                .post("/api/applications").then().statusCode(201);
        return name;
    }

    static String uniqueRepo() {
        return "https://git.example.test/team/" + UUID.randomUUID() + ".git";
    }
}

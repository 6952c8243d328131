package dev.stagecraft.build.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.build.BuildConfig;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.RegistryServer;
import dev.stagecraft.infra.TestConfigs;
import dev.stagecraft.registry.ConfiguredRegistry;
import dev.stagecraft.registry.RegistryCalls;
import dev.stagecraft.registry.RegistryConfig;
import dev.stagecraft.runtime.docker.DockerClients;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Pushing to a registry that wants a login, as Harbor, GitLab or ghcr.io do: Debian's docker-registry with token
 * authentication ({@link RegistryServer}), the Docker engine of {@code DOCKER_HOST} pushing, the login read from a
 * Docker config file as the push Secret of deploy/kubernetes mounts it (STAGECRAFT_REGISTRY_AUTH_FILE), under a
 * path of the registry ({@code <host>/team}). A Quarkus test because the registry's REST clients and fault tolerance
 * are Quarkus's.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class ImageBuilderRegistryLoginTest {

    @TempDir
    static Path dir;
    static RegistryServer registry;
    static DockerClient docker;
    static Path context;
    static Path login;
    final String application = "login-" + UUID.randomUUID().toString().substring(0, 8);
    final List<String> output = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryServer.start(dir.resolve("registry"), "stagecraft-push", "push-pass");
        docker = DockerClients.fromEnvironment();
        login = dir.resolve(".dockerconfigjson");
        Files.writeString(login, registry.dockerConfig());
        context = dir.resolve("context.tar");
        try (OutputStream file = Files.newOutputStream(context);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
            add(tar, "Dockerfile", "FROM scratch\nCOPY hello.txt /hello.txt\n");
            add(tar, "hello.txt", "hello\n");
        }
    }

    private static void add(TarArchiveOutputStream tar, String name, String content) throws Exception {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    @AfterAll
    static void stop() throws Exception {
        if (registry != null) {
            registry.close();
        }
        if (docker != null) {
            docker.close();
        }
    }

    /** A builder pushing to the test's registry, logged in with {@code authFile}; its requests tried once. */
    private ImageBuilder builder(Optional<String> authFile) {
        return builder(registry.address(), authFile);
    }

    /** A builder pushing to the registry at {@code address}, logged in with {@code authFile}. */
    private ImageBuilder builder(String address, Optional<String> authFile) {
        ImageBuilder builder = new ImageBuilder();
        builder.docker = docker;
        builder.config = TestConfigs.mapping(BuildConfig.class, Map.of("stagecraft.build.memory",
                String.valueOf(256L * 1024 * 1024), "stagecraft.build.timeout", "PT2M"));
        Map<String, String> settings = new HashMap<>(Map.of("stagecraft.registry.address", address + "/team"));
        authFile.ifPresent(file -> settings.put("stagecraft.registry.auth-file", file));
        builder.registry = new ConfiguredRegistry(TestConfigs.mapping(RegistryConfig.class, settings),
                RegistryCalls.guard("image-builder-test-" + UUID.randomUUID(), 1, Duration.ofMillis(10)));
        return builder;
    }

    private void build(ImageBuilder builder, String reference) {
        builder.build(context, "Dockerfile", Map.of(), null, reference, ImageBuilder.labels(application, "web", "t"),
                true, output::add);
    }

    @Test
    void anImageIsPushedWithTheLoginOfTheFileAndFoundInTheRegistryWithItAgain() throws Exception {
        ImageBuilder builder = builder(Optional.of(login.toString()));
        String reference = builder.reference(application, "web", "t1");
        assertEquals(registry.address() + "/team/stagecraft/" + application + "/web:t1", reference);
        try {
            build(builder, reference);
            String repository = "team/stagecraft/" + application + "/web";
            assertTrue(registry.grantedScopes().stream().anyMatch(s -> s.startsWith("repository:" + repository + ":")
                    && s.contains("push")), "the engine logged in to push: " + registry.grantedScopes());
            int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                    + registry.address() + "/v2/" + repository + "/manifests/t1"))
                    .header("Authorization", "Bearer " + registry.token("repository:" + repository + ":pull"))
                    .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertEquals(200, status, "the image is in the registry");

            builder.remove(reference);
            assertTrue(builder.exists(reference), "found in the registry through its login: not built again");
            assertFalse(builder(Optional.empty()).exists(reference), "without the login the registry says nothing");
        } finally {
            builder.remove(reference);
        }
    }

    @Test
    void aPushWithoutALoginOrWithALoginForAnotherRegistryFailsSayingWhatToCheck() throws Exception {
        ImageBuilder anonymous = builder(Optional.empty());
        String reference = anonymous.reference(application, "web", "t2");
        try {
            BuildException refused = assertThrows(BuildException.class, () -> build(anonymous, reference));
            assertTrue(refused.getMessage().startsWith("push of " + reference + " failed: ")
                    && refused.getMessage().endsWith("(no push credentials are configured:"
                            + " STAGECRAFT_REGISTRY_AUTH_FILE)"), refused.getMessage());
        } finally {
            anonymous.remove(reference);
        }

        Path other = dir.resolve("other.json");
        Files.writeString(other, "{\"auths\":{\"ghcr.io\":{\"username\":\"u\",\"password\":\"p\"}}}");
        ImageBuilder elsewhere = builder(Optional.of(other.toString()));
        try {
            BuildException wrong = assertThrows(BuildException.class, () -> build(elsewhere, reference));
            assertTrue(wrong.getMessage().contains("the registry credentials file " + other
                    + " (STAGECRAFT_REGISTRY_AUTH_FILE) has no entry for " + registry.address()
                    + "; it has entries for [ghcr.io]"), wrong.getMessage());
        } finally {
            elsewhere.remove(reference);
        }
    }

    @Test
    void aPushTheRegistryFailsWithAServerErrorIsTriedAgainAndOneRefusedIsNot() throws Exception {
        try (FlakyRegistry flaky = new FlakyRegistry(registry.address())) {
            Path config = dir.resolve("flaky.json");
            Files.writeString(config, registry.dockerConfig().replace(registry.address(), flaky.address()));
            ImageBuilder builder = builder(flaky.address(), Optional.of(config.toString()));
            String reference = builder.reference(application, "web", "t3");
            try {
                flaky.failManifestPuts(500, 1);
                build(builder, reference);
                assertEquals(2, flaky.manifestPuts(), "the manifest was put twice: " + output);
                assertTrue(output.contains("push of " + reference + ": trying again (2 of 3)"), output.toString());
                builder.remove(reference);
                assertTrue(builder.exists(reference), "the image is in the registry after the second try");
            } finally {
                builder.remove(reference);
            }

            String refused = builder.reference(application, "web", "t4");
            try {
                flaky.failManifestPuts(400, 5);
                BuildException failed = assertThrows(BuildException.class, () -> build(builder, refused));
                assertTrue(failed.getMessage().startsWith("push of " + refused + " failed: "), failed.getMessage());
                assertEquals(3, flaky.manifestPuts(), "a refusal is not tried again (two puts of t3, one of t4)");

                flaky.failManifestPuts(500, 5);
                BuildException down = assertThrows(BuildException.class, () -> build(builder, refused));
                assertTrue(down.getMessage().contains("500 Internal Server Error"), down.getMessage());
                assertEquals(3 + ImageBuilder.PUSH_ATTEMPTS, flaky.manifestPuts(), "a server error is tried "
                        + ImageBuilder.PUSH_ATTEMPTS + " times, then the build fails");
            } finally {
                builder.remove(refused);
            }
        }
    }

    /**
     * A proxy in front of the test's registry that fails the next manifest uploads with a given status (as a
     * registry under load answers now and then) and passes everything else through.
     */
    static final class FlakyRegistry implements AutoCloseable {

        private static final java.util.Set<String> HOP = java.util.Set.of("connection", "content-length", "expect",
                "host", "upgrade", "transfer-encoding", "keep-alive", "date");
        private final com.sun.net.httpserver.HttpServer server;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicInteger puts = new java.util.concurrent.atomic.AtomicInteger();
        private volatile int status;

        FlakyRegistry(String upstream) throws java.io.IOException {
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(
                    java.net.InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                try (exchange) {
                    String method = exchange.getRequestMethod();
                    byte[] body = exchange.getRequestBody().readAllBytes();
                    if ("PUT".equals(method) && exchange.getRequestURI().getPath().contains("/manifests/")) {
                        puts.incrementAndGet();
                        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            exchange.sendResponseHeaders(status, -1);
                            return;
                        }
                    }
                    HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create("http://" + upstream
                            + exchange.getRequestURI())).method(method, body.length == 0
                                    ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
                            .header("X-Forwarded-Host", address());
                    exchange.getRequestHeaders().forEach((name, values) -> {
                        if (!HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                            values.forEach(v -> forward.header(name, v));
                        }
                    });
                    HttpResponse<byte[]> answer = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                    answer.headers().map().forEach((name, values) -> {
                        String lower = name.toLowerCase(java.util.Locale.ROOT);
                        if (!HOP.contains(lower) || ("HEAD".equals(method) && "content-length".equals(lower))) {
                            exchange.getResponseHeaders().put(name, values);
                        }
                    });
                    byte[] out = answer.body();
                    exchange.sendResponseHeaders(answer.statusCode(), "HEAD".equals(method) || out.length == 0 ? -1
                            : out.length);
                    if (!"HEAD".equals(method) && out.length > 0) {
                        exchange.getResponseBody().write(out);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        /** The next {@code count} manifest uploads are answered {@code code} with no body. */
        void failManifestPuts(int code, int count) {
            status = code;
            failures.set(count);
        }

        /** How many manifest uploads reached this proxy. */
        int manifestPuts() {
            return puts.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}

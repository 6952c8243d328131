package dev.stagecraft.gateway.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.RegistryServer;
import dev.stagecraft.registry.RegistryAddress;
import dev.stagecraft.registry.RegistryCalls;
import dev.stagecraft.registry.RegistryCredentials;
import dev.stagecraft.registry.RegistryException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The registry clean-up against a registry that wants a login (Debian's docker-registry with token authentication,
 * {@link RegistryServer}), its images under a path of the registry ({@code <host>/team}) as on Harbor or ghcr.io:
 * the clean-up logs in with the Docker config file of STAGECRAFT_REGISTRY_AUTH_FILE for every scope the registry
 * challenges it with (catalog, tags, manifests, delete) and deletes only what the rules let go. A Quarkus test because
 * the gateway's REST clients and fault tolerance are Quarkus's.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class RegistrySweepLoginTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static RegistryServer registry;
    static Path login;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryServer.start(dir.resolve("registry"), "stagecraft-gc", "gc-pass");
        login = dir.resolve(".dockerconfigjson");
        Files.writeString(login, registry.dockerConfig());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    private static RegistryCalls api(Optional<Path> file) {
        RegistryAddress address = RegistryAddress.parse(registry.address() + "/team", null).orElseThrow();
        return new RegistryCalls(address, () -> file.map(f -> RegistryCredentials.fromDockerConfig(f, address.host())),
                RegistryCalls.guard("registry-login-test-" + UUID.randomUUID(), 1, Duration.ofMillis(10)));
    }

    @Test
    void unusedOldTagsUnderThePathAreDeletedWithTheLoginAndNothingElse() throws Exception {
        String web = "team/stagecraft/shop/web";
        push(web, "unused-old", "2020-01-01T00:00:00Z");
        push(web, "live-old", "2020-01-02T00:00:00Z");
        push(web, "unused-new", OffsetDateTime.now().toString());
        push("team/stagecraft/busy/web", "unused-old", "2020-01-03T00:00:00Z");
        push("team/elsewhere/web", "unused-old", "2020-01-04T00:00:00Z");
        String host = registry.address();

        RegistryCleanup.Result result = new RegistrySweep(api(Optional.of(login))).run(
                Set.of(host + "/" + web + ":live-old"), Set.of("busy"), OffsetDateTime.now().minusHours(2));

        assertEquals(List.of(host + "/" + web + ":unused-old"), result.deleted());
        assertEquals(404, status(web, "unused-old"), "the old unused tag is gone");
        assertEquals(200, status(web, "live-old"), "a live environment's image stays");
        assertEquals(200, status(web, "unused-new"), "an image built within the grace period stays");
        assertEquals(200, status("team/stagecraft/busy/web", "unused-old"), "an application being built is left");
        assertEquals(200, status("team/elsewhere/web", "unused-old"), "nothing outside <path>/stagecraft/ is touched");
        List<String> scopes = registry.grantedScopes();
        assertTrue(scopes.contains("registry:catalog:*"), "logged in for the catalog: " + scopes);
        assertTrue(scopes.stream().anyMatch(s -> s.startsWith("repository:" + web + ":") && (s.contains("delete")
                || s.endsWith(":*"))), "logged in to delete: " + scopes);
    }

    @Test
    void withoutALoginTheCleanUpStopsSayingWhereTheLoginComesFrom() {
        RegistryException refused = assertThrows(RegistryException.class,
                () -> new RegistrySweep(api(Optional.empty())).run(Set.of(), Set.of(), OffsetDateTime.now()));
        assertTrue(refused.getMessage().contains("(GET _catalog) failed: the registry's token service")
                && refused.getMessage().endsWith("no credentials are configured (STAGECRAFT_REGISTRY_AUTH_FILE)"),
                refused.getMessage());
    }

    private static int status(String repository, String tag) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + "/v2/" + repository
                + "/manifests/" + tag)).header("Authorization", bearer(repository))
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String bearer(String repository) {
        return "Bearer " + registry.token("repository:" + repository + ":pull,push");
    }

    /** Pushes a one-layer image whose configuration says it was built at {@code created}. */
    private static void push(String repository, String tag, String created) throws Exception {
        byte[] layer = ("layer of " + repository + ":" + tag).getBytes(StandardCharsets.UTF_8);
        String layerDigest = blob(repository, layer);
        byte[] config = ("{\"created\":\"" + created + "\",\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
                + "{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(repository, config);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":"
                + config.length + ",\"digest\":\"" + configDigest + "\"},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":" + layer.length + ",\"digest\":\""
                + layerDigest + "\"}]}";
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry.address() + "/v2/"
                + repository + "/manifests/" + tag)).header("Authorization", bearer(repository))
                .header("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
                .PUT(HttpRequest.BodyPublishers.ofString(manifest)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());
    }

    private static String blob(String repository, byte[] content) throws Exception {
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        HttpResponse<String> start = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry.address()
                + "/v2/" + repository + "/blobs/uploads/")).header("Authorization", bearer(repository))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, start.statusCode(), start.body());
        URI upload = URI.create("http://" + registry.address()).resolve(start.headers().firstValue("Location")
                .orElseThrow());
        String separator = upload.getQuery() == null ? "?" : "&";
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(upload + separator + "digest="
                + digest)).header("Authorization", bearer(repository))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, done.statusCode(), done.body());
        return digest;
    }
}

package dev.stagecraft.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.junit.jupiter.api.Test;

import dev.stagecraft.gateway.registry.RegistryCleanup;
import dev.stagecraft.infra.ImageRegistry;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The registry clean-up against the registry {@code .ci/run} starts (STAGECRAFT_REGISTRY): images are pushed here
 * through the registry's API, built long ago or just now, used by a live environment or by nothing.
 */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class RegistryCleanupTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    RegistryCleanup cleanup;

    @Inject
    EntityManager em;

    @Test
    void onlyOldTagsThatNothingUsesAreDeleted() throws Exception {
        String registry = ImageRegistry.address();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String app = "gc-" + run;
        String repository = "stagecraft/" + app + "/web";
        push(registry, repository, "unused-old", "2020-01-01T00:00:00Z");
        push(registry, repository, "live-old", "2020-01-02T00:00:00Z");
        push(registry, repository, "unused-new", OffsetDateTime.now().toString());
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("insert into application (id, name, repository_url, repository_key, provider,"
                    + " webhook_secret, template, runtime, created_at) values (?1, ?1, 'https://example.test/r.git',"
                    + " 'example.test/r', 'GITHUB', 's', 'app: x', 'docker', now())").setParameter(1, app).executeUpdate();
            em.createNativeQuery("insert into environment (id, application_id, kind, branch, state, spec, spec_hash,"
                    + " images, created_at, updated_at) values (?1, ?2, 'EPHEMERAL', 'b', 'READY', '{}', 'h', ?3, now(),"
                    + " now())").setParameter(1, "env-" + run).setParameter(2, app)
                    .setParameter(3, "{\"web\":\"" + registry + "/" + repository + ":live-old\"}").executeUpdate();
        });

        RegistryCleanup.Result result = cleanup.run(OffsetDateTime.now());

        assertTrue(result.deleted().contains(registry + "/" + repository + ":unused-old"), result.toString());
        assertEquals(404, status(registry, repository, "unused-old"), "the old unused tag is gone");
        assertEquals(200, status(registry, repository, "live-old"), "a live environment's image stays");
        assertEquals(200, status(registry, repository, "unused-new"), "an image built within the grace period stays");
    }

    private static int status(String registry, String repository, String tag) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/" + repository + "/manifests/" + tag))
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** Pushes a one-layer image whose configuration says it was built at {@code created}. */
    private static void push(String registry, String repository, String tag, String created) throws Exception {
        byte[] layer = ("layer of " + tag).getBytes(StandardCharsets.UTF_8);
        String layerDigest = blob(registry, repository, layer);
        byte[] config = ("{\"created\":\"" + created + "\",\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
                + "{\"type\":\"layers\",\"diff_ids\":[\"" + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(registry, repository, config);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length
                + ",\"digest\":\"" + configDigest + "\"},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":" + layer.length + ",\"digest\":\""
                + layerDigest + "\"}]}";
        HttpResponse<String> put = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/" + repository
                + "/manifests/" + tag)).header("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")
                .PUT(HttpRequest.BodyPublishers.ofString(manifest)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, put.statusCode(), put.body());
    }

    private static String blob(String registry, String repository, byte[] content) throws Exception {
        String digest = "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        HttpResponse<String> start = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + registry + "/v2/"
                + repository + "/blobs/uploads/")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, start.statusCode(), start.body());
        String location = start.headers().firstValue("Location").orElseThrow();
        URI upload = URI.create("http://" + registry).resolve(location);
        String separator = upload.getQuery() == null ? "?" : "&";
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(upload + separator + "digest=" + digest))
                .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, done.statusCode(), done.body());
        return digest;
    }

}

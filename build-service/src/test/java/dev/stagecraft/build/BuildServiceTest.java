package dev.stagecraft.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;

import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.BuildSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.WorkflowProgressed;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.ImageRegistry;
import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.docker.BaseImages;
import dev.stagecraft.runtime.docker.TestEngine;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The build-service against real Kafka, PostgreSQL, Docker and a git repository on disk. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class BuildServiceTest {

    private static final String DOCKERFILE = "FROM " + BaseImages.BUSYBOX + "\nCOPY index.html /www/index.html\n";
    private static final List<String> BUILT = new ArrayList<>();
    private static DockerClient engine;

    @Inject
    DockerClient docker;

    @BeforeAll
    static void baseImage() {
        engine = TestEngine.withBusybox();
    }

    @AfterAll
    static void removeImages() {
        TestEngine.removeImages(engine, BUILT);
    }

    /** This test's run: its application's name is bt-{nonce}; its environments are named after it. */
    private final String nonce = UUID.randomUUID().toString().substring(0, 8);
    private final String app = "bt-" + nonce;
    private final List<SampleRepository> repositories = new ArrayList<>();
    private TestBus bus;

    @BeforeEach
    void joinTheBus() {
        bus = new TestBus();
    }

    @AfterEach
    void closeBusAndRepositories() {
        bus.close();
        repositories.forEach(SampleRepository::close);
    }

    /** A repository on disk with {@code files} committed on main. */
    private SampleRepository repository(Map<String, String> files) throws Exception {
        SampleRepository repo = SampleRepository.create(Files.createTempDirectory("build-repo"), app, files, "change");
        repositories.add(repo);
        return repo;
    }

    private static EnvironmentSpec spec(String app, String... services) {
        List<ServiceSpec> list = new ArrayList<>();
        for (String s : services) {
            list.add(new ServiceSpec(s, null, new BuildSpec(s, "Dockerfile"), 8080, Map.of()));
        }
        list.add(new ServiceSpec("cache", "redis:alpine", null, 6379, Map.of()));
        return new EnvironmentSpec(app, list, Map.of());
    }

    private static BuildRequested request(String env, SampleRepository repo, String commit, EnvironmentSpec spec) {
        return new BuildRequested(env, UUID.randomUUID().toString(), spec.application(), repo.fileUrl(), "main", commit,
                spec);
    }

    private static Map<String, ImageRef> byService(BuildCompleted done) {
        Map<String, ImageRef> map = new java.util.HashMap<>();
        done.images().forEach(i -> map.put(i.service(), i));
        done.images().stream().filter(ImageRef::built).forEach(i -> BUILT.add(i.image()));
        return map;
    }

    @Test
    void buildsEachServiceOnceAndReusesTheImageOfAnUnchangedContext() throws Exception {
        String env = app + "-pr1";
        SampleRepository repo = repository(Map.of("web/Dockerfile", DOCKERFILE, "web/index.html", "web " + nonce,
                "api/Dockerfile", DOCKERFILE, "api/index.html", "api " + nonce));
        String first = repo.resolve("main");
        bus.publish(request(env, repo, first, spec(app, "web", "api")));
        assertEquals(first, ((BuildStarted) bus.await(BuildStarted.class, env).data()).commit());
        Map<String, ImageRef> one = byService((BuildCompleted) bus.await(BuildCompleted.class, env).data());
        assertTrue(one.get("web").built() && one.get("api").built(), one.toString());
        assertEquals("redis:alpine", one.get("cache").image(), "image-only services pass through");
        assertFalse(one.get("cache").built());
        docker.inspectImageCmd(one.get("web").image()).exec();
        String apiTree = repo.resolve(first + ":api");
        assertTrue(one.get("api").image().endsWith(":" + apiTree), "tagged by the context's tree id");

        String second = repo.commit("main", Map.of("web/index.html", "web v2 " + nonce), "change web");
        bus.publish(request(env, repo, second, spec(app, "web", "api")));
        Map<String, ImageRef> two = byService((BuildCompleted) bus.await(BuildCompleted.class, env).data());
        assertTrue(two.get("web").built());
        assertFalse(two.get("web").image().equals(one.get("web").image()));
        assertFalse(two.get("api").built(), "api did not change and was not rebuilt");
        assertEquals(one.get("api").image(), two.get("api").image());
    }

    /** A Kubernetes environment's images live in the registry only: nothing of them stays on the build engine. */
    @Test
    void theImagesOfAKubernetesEnvironmentArePushedAndLeaveTheBuildEngine() throws Exception {
        String registry = ImageRegistry.address();
        String env = app + "-k8s";
        SampleRepository repo = repository(Map.of("web/Dockerfile", DOCKERFILE, "web/index.html", "web " + nonce));
        bus.publish(request(env, repo, repo.resolve("main"), spec(app, "web").withRuntime("kubernetes")));
        ImageRef web = byService((BuildCompleted) bus.await(BuildCompleted.class, env).data()).get("web");
        assertTrue(web.built() && web.image().startsWith(registry + "/"), web.toString());
        assertThrows(NotFoundException.class, () -> docker.inspectImageCmd(web.image()).exec(),
                "not on the build engine");
        String repository = web.image().substring(registry.length() + 1, web.image().lastIndexOf(':'));
        String tag = web.image().substring(web.image().lastIndexOf(':') + 1);
        int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + registry + "/v2/" + repository + "/manifests/" + tag))
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        assertEquals(200, status, "in the registry");
    }

    @Test
    void aFailingBuildNamesTheServiceAndShowsItsLastOutput() throws Exception {
        String env = app + "-fail";
        SampleRepository repo = repository(Map.of("web/Dockerfile", "FROM " + BaseImages.BUSYBOX
                + "\nRUN echo compiling-" + nonce + " && exit 7\n", "web/index.html", "x"));
        bus.publish(request(env, repo, repo.resolve("main"), spec(app, "web")));
        BuildFailed failed = (BuildFailed) bus.await(BuildFailed.class, env).data();
        assertEquals("web", failed.service());
        assertTrue(failed.logTail().stream().anyMatch(l -> l.contains("compiling-" + nonce)), failed.logTail().toString());
        assertTrue(docker.listContainersCmd().withShowAll(true).exec().stream()
                .noneMatch(c -> c.getCommand() != null && c.getCommand().contains("compiling-" + nonce)),
                "the failed step's container is removed");
    }

    @Test
    void aMissingContextOrCommitFailsWithTheReason() throws Exception {
        SampleRepository repo = repository(Map.of("web/Dockerfile", DOCKERFILE, "web/index.html", "x"));
        String commit = repo.resolve("main");
        String env = app + "-noctx";
        bus.publish(request(env, repo, commit, spec(app, "web", "worker")));
        BuildFailed noContext = (BuildFailed) bus.await(BuildFailed.class, env).data();
        assertEquals("worker", noContext.service());
        assertTrue(docker.listImagesCmd().withReferenceFilter("stagecraft/" + app + "/web").exec().isEmpty()
                && docker.listImagesCmd().withReferenceFilter("*/stagecraft/" + app + "/web").exec().isEmpty(),
                "a failed build leaves none of the images it built");
        assertTrue(noContext.reason().contains("'worker' is not a directory"), noContext.reason());

        String envShort = app + "-short";
        bus.publish(request(envShort, repo, commit.substring(0, 12), spec(app, "web")));
        BuildCompleted fromShort = (BuildCompleted) bus.await(BuildCompleted.class, envShort).data();
        byService(fromShort);
        assertEquals("web", fromShort.images().get(0).service(), "an abbreviated commit id is resolved");

        String env2 = app + "-nocommit";
        bus.publish(request(env2, repo, "0123456789012345678901234567890123456789", spec(app, "web")));
        BuildFailed noCommit = (BuildFailed) bus.await(BuildFailed.class, env2).data();
        assertTrue(noCommit.reason().contains("0123456789012345678901234567890123456789"), noCommit.reason());
    }

    @Test
    void aRedeliveredCommandBuildsOnceAndRepositoryTemplatesAreReturned() throws Exception {
        String env = app + "-twice";
        String template = "services:\n- name: site\n  build:\n    context: ./site\n";
        SampleRepository repo = repository(Map.of("site/Dockerfile", DOCKERFILE, "site/index.html", "site " + nonce,
                ".stagecraft/application_template.yaml", template));
        BuildRequested twice = request(env, repo, repo.resolve("main"), spec(app, "web"));
        bus.publishTwice(twice);
        BuildCompleted done = (BuildCompleted) bus.await(BuildCompleted.class, env).data();
        Map<String, ImageRef> images = byService(done);
        assertEquals(Map.of(".stagecraft/application_template.yaml", template), done.templates());
        assertEquals(List.of("site"), List.copyOf(images.keySet()), "the repository's template decides what is built");
        // a later command of the environment, taken after the second copy: its outcome marks the end
        bus.publish(request(env, repo, "0123456789012345678901234567890123456789", spec(app, "web")));
        bus.await(BuildFailed.class, env);
        assertEquals(1, bus.remaining(BuildStarted.class, env).stream()
                .filter(e -> twice.workflowId().equals(e.workflowId())).count(), "one BuildStarted for two deliveries");
    }

    @Test
    void aLongBuildTellsTheGatewayItIsStillWorking() throws Exception {
        String env = app + "-slow";
        SampleRepository repo = repository(Map.of("web/Dockerfile", DOCKERFILE + "RUN sleep 3\n", "web/index.html",
                "slow " + nonce));
        BuildRequested request = request(env, repo, repo.resolve("main"), spec(app, "web"));
        bus.publish(request);
        WorkflowProgressed beat = (WorkflowProgressed) bus.await(WorkflowProgressed.class, env).data();
        assertEquals(request.workflowId(), beat.workflowId());
        byService((BuildCompleted) bus.await(BuildCompleted.class, env).data());
    }
}

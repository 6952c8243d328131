package dev.stagecraft.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.model.Container;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.router.CaddyRouter;

/** The Docker runtime against a real Docker engine, with images built from the local busybox base image. */
class DockerRuntimeTest {

    private static DockerClient docker;
    private static DockerRuntime runtime;
    private static final List<String> IMAGES = new ArrayList<>();
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void engine() {
        docker = TestEngine.withBusybox();
        runtime = new DockerRuntime(docker, Duration.ofSeconds(20), ContainerLimits.DEFAULTS,
                value -> value.startsWith("sealed:") ? value.substring(7) : value);
    }

    @AfterAll
    static void removeImages() {
        TestEngine.removeImages(docker, IMAGES);
    }

    /** An image whose page says {@code page}; {@code cmd} replaces the httpd command when not null. */
    private static String image(String page, String cmd) throws IOException {
        return image(page, cmd, "");
    }

    /** {@link #image(String, String)} with {@code more} Dockerfile instructions before its command. */
    private static String image(String page, String cmd, String more) throws IOException {
        Path dir = Files.createTempDirectory("img");
        Files.writeString(dir.resolve("index.html"), page);
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + BaseImages.BUSYBOX + "\nCOPY index.html /www/index.html\n"
                + more + "CMD [\"sh\", \"-c\", \"" + (cmd != null ? cmd : "exec httpd -f -p $PORT -h /www") + "\"]\n");
        String tag = "stagecraft-test/runtime:" + UUID.randomUUID().toString().substring(0, 12);
        docker.buildImageCmd(dir.toFile()).withTags(Set.of(tag)).withNetworkMode("none").withPull(false)
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, Labels.GIT_TREE, "test-" + tag))
                .exec(new BuildImageResultCallback()).awaitImageId(120, TimeUnit.SECONDS);
        IMAGES.add(tag);
        return tag;
    }

    private static EnvironmentSpec spec(String... services) {
        List<ServiceSpec> list = new ArrayList<>();
        for (String s : services) {
            list.add(new ServiceSpec(s, null, new EnvironmentSpec.BuildSpec(s, "Dockerfile"), 8080, Map.of()));
        }
        return new EnvironmentSpec("runtime-test", list, Map.of("GREETING", "hello"));
    }

    /** The spec of {@code spec("web")} with {@code jobs} and the workflow {@code name} made of {@code steps}. */
    private static EnvironmentSpec webWithWorkflow(List<EnvironmentSpec.JobSpec> jobs, String name,
            EnvironmentSpec.StepSpec... steps) {
        EnvironmentSpec web = spec("web");
        return new EnvironmentSpec(web.application(), web.services(), web.variables(), jobs,
                Map.of(name, new EnvironmentSpec.WorkflowSpec(name, List.of(steps))), Map.of(), List.of(), null, null);
    }

    /** A listener that writes what it hears to {@code events}: "started t", "succeeded t", "failed t", "log s: l". */
    private static RuntimeListener recordingTo(List<String> events) {
        return RuntimeListener.of(t -> events.add("started " + t), (t, ok, m) -> events.add((ok ? "succeeded " : "failed ")
                + t), (source, line) -> events.add("log " + source + ": " + line), () -> {
                });
    }

    /** Sets {@code env} up with {@code spec} running {@code images}, and checks it succeeded. */
    private static DeployResult setUp(String env, EnvironmentSpec spec, Map<String, String> images) {
        DeployResult result = runtime.setup(env, spec, images, RuntimeListener.SILENT);
        assertTrue(result.succeeded(), result.reason());
        return result;
    }

    private static String get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString()).body().strip();
    }

    private static List<Container> containers(String env) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.ENVIRONMENT, env)).exec();
    }

    @Test
    void theSetupWorkflowRunsItsStepsInOrderWithJobsAndStopsAtAFailingJob() throws Exception {
        String env = "rt-" + RUN + "-workflow";
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        RuntimeListener listener = recordingTo(events);
        EnvironmentSpec.JobSpec migrate = new EnvironmentSpec.JobSpec("migrate", null, BaseImages.BUSYBOX,
                List.of("sh", "-c", "echo migrating for $STAGECRAFT_ENVIRONMENT_ID; echo greeting=$GREETING"),
                List.of(), Map.of(), 30, true);
        EnvironmentSpec.JobSpec broken = new EnvironmentSpec.JobSpec("broken", null, BaseImages.BUSYBOX,
                List.of("sh", "-c", "echo cannot migrate; exit 3"), List.of(), Map.of(), 30, true);
        EnvironmentSpec spec = webWithWorkflow(List.of(migrate, broken), "setup",
                new EnvironmentSpec.StepSpec("migrate", List.of("jobs.migrate"), true, true),
                new EnvironmentSpec.StepSpec("serve", List.of("services.web"), true, true));
        DeployResult ok = runtime.setup(env, spec, Map.of("web", image("web page", null)), listener);
        assertTrue(ok.succeeded(), ok.reason());
        assertTrue(events.indexOf("succeeded jobs.migrate") < events.indexOf("started services.web"), events.toString());
        assertTrue(events.contains("log jobs.migrate: migrating for " + env), events.toString());
        assertTrue(events.contains("log jobs.migrate: greeting=hello"), events.toString());
        assertEquals(1, containers(env).size(), "the job's container is gone, the service's runs");

        events.clear();
        EnvironmentSpec failing = webWithWorkflow(List.of(migrate, broken), "patch",
                new EnvironmentSpec.StepSpec("migrate", List.of("jobs.broken"), true, true),
                new EnvironmentSpec.StepSpec("serve", List.of("services.web"), true, true));
        DeployResult failed = runtime.patch(env, failing, Map.of("web", image("web page 2", null)), listener);
        assertFalse(failed.succeeded());
        assertEquals("jobs.broken", failed.failedTask());
        assertEquals("job 'broken' exited with code 3", failed.reason());
        assertTrue(events.contains("log jobs.broken: cannot migrate"), events.toString());
        assertFalse(events.contains("started services.web"), "halted before the next step: " + events);
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    @Test
    void teardownRunsTheTeardownWorkflowsJobsWithTheRunningImagesThenRemovesEverythingEvenWhenAJobFails()
            throws Exception {
        String env = "rt-" + RUN + "-teardown-jobs";
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        String web = image("web page", null);
        EnvironmentSpec.JobSpec backup = new EnvironmentSpec.JobSpec("backup", "web", null,
                List.of("sh", "-c", "echo backing up $WEB_URL; ls /www"), List.of(), Map.of(), 30, true);
        EnvironmentSpec.JobSpec broken = new EnvironmentSpec.JobSpec("notify", null, BaseImages.BUSYBOX,
                List.of("sh", "-c", "exit 4"), List.of(), Map.of(), 30, true);
        EnvironmentSpec spec = webWithWorkflow(List.of(backup, broken), "teardown",
                new EnvironmentSpec.StepSpec("backup", List.of("jobs.backup"), true, true),
                new EnvironmentSpec.StepSpec("notify", List.of("jobs.notify"), true, true),
                new EnvironmentSpec.StepSpec("remove", List.of("release.remove_environment"), true, true));
        setUp(env, spec, Map.of("web", web));

        TeardownResult down = runtime.teardown(env, spec, List.of(web), recordingTo(events));
        assertTrue(down.clean(), String.valueOf(down.leftovers()));
        assertTrue(events.contains("log jobs.backup: backing up http://web:8080"), "by service name: " + events);
        assertTrue(events.contains("log jobs.backup: index.html"), "the job ran web's image: " + events);
        assertTrue(events.contains("failed jobs.notify"), events.toString());
        assertEquals(List.of(), containers(env), "removed although a teardown job failed");
        assertTrue(down.removed().contains("image " + web), down.removed().toString());
    }

    /** Teardown removes the images Stagecraft built, never one a template names or the base image. */
    @Test
    void teardownRemovesOnlyImagesStagecraftBuilt() throws Exception {
        String env = "rt-" + RUN + "-foreign-images";
        String web = image("web page", null);
        setUp(env, spec("web"), Map.of("web", web));
        TeardownResult down = runtime.teardown(env, List.of(web, BaseImages.BUSYBOX), RuntimeListener.SILENT);
        assertTrue(down.clean(), String.valueOf(down.leftovers()));
        assertTrue(down.removed().contains("image " + web), down.removed().toString());
        assertTrue(down.kept().stream().anyMatch(k -> k.startsWith("image " + BaseImages.BUSYBOX + " (not built")),
                down.kept().toString());
        docker.inspectImageCmd(BaseImages.BUSYBOX).exec(); // still there
    }

    @Test
    void setupStartsEveryServiceAndRunningItAgainRestartsNothing() throws Exception {
        String env = "rt-" + RUN + "-converge";
        Map<String, String> images = Map.of("web", image("web page", null), "api", image("api page", null));
        DeployResult first = setUp(env, spec("web", "api"), images);
        assertEquals("web page", get(first.endpoints().get("web")));
        assertEquals("api page", get(first.endpoints().get("api")));
        List<String> ids = containers(env).stream().map(Container::getId).sorted().toList();
        for (Container c : containers(env)) {
            assertEquals(Labels.MANAGED_BY_VALUE, c.getLabels().get(Labels.MANAGED_BY));
        }

        DeployResult again = runtime.setup(env, spec("web", "api"), images, RuntimeListener.SILENT);
        assertTrue(again.succeeded());
        assertEquals(List.of(), again.started(), "nothing was restarted");
        assertEquals(ids, containers(env).stream().map(Container::getId).sorted().toList());
        assertEquals(first.endpoints(), again.endpoints());
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    /** A setup whose spec no longer has a service removes its container and its route on the router. */
    @Test
    void aServiceDroppedFromTheSpecLosesItsContainerAndItsRoute() throws Exception {
        String admin = System.getenv("STAGECRAFT_ROUTER_ADMIN");
        assertNotNull(admin, "STAGECRAFT_ROUTER_ADMIN names the router's admin API (.ci/run starts one)");
        DockerRuntime routed = new DockerRuntime(docker, Duration.ofSeconds(20), ContainerLimits.DEFAULTS, v -> v,
                new CaddyRouter(URI.create(admin), "stagecraft", "localhost", "http", 80));
        String env = "rt-" + RUN + "-dropped";
        Map<String, String> images = Map.of("web", image("web page", null), "api", image("api page", null));
        DeployResult both = routed.setup(env, spec("web", "api"), images, RuntimeListener.SILENT);
        assertTrue(both.succeeded(), both.reason());
        assertTrue(get(admin + "/config/apps/http/servers/stagecraft/routes").contains("sc-" + env + "__api"));

        DeployResult webOnly = routed.setup(env, spec("web"), images, RuntimeListener.SILENT);
        assertTrue(webOnly.succeeded(), webOnly.reason());
        assertEquals(1, containers(env).size(), "api's container is gone");
        String routes = get(admin + "/config/apps/http/servers/stagecraft/routes");
        assertFalse(routes.contains("sc-" + env + "__api"), "api's route is gone: " + routes);
        assertTrue(routes.contains("sc-" + env + "__web"), routes);
        assertTrue(routed.teardown(env, List.of(), RuntimeListener.SILENT).clean());
    }

    /**
     * Pause stops each service's container and keeps it with its network and its volume, and its host name answers
     * 404 at the router; a second pause changes nothing. Resume starts the same container (same id, same image),
     * waits until it answers and routes it again at the same endpoint, its data kept. A container removed meanwhile
     * fails the resume, naming the service and the setup that makes it again.
     */
    @Test
    void pauseKeepsTheStoppedContainerAndResumeServesTheSamePageThroughTheRouterAgain() throws Exception {
        String admin = System.getenv("STAGECRAFT_ROUTER_ADMIN");
        assertNotNull(admin, "STAGECRAFT_ROUTER_ADMIN names the router's admin API (.ci/run starts one)");
        int port = Integer.parseInt(System.getenv("STAGECRAFT_ROUTER_PORT"));
        DockerRuntime routed = new DockerRuntime(docker, Duration.ofSeconds(20), ContainerLimits.DEFAULTS, v -> v,
                new CaddyRouter(URI.create(admin), "stagecraft", "localhost", "http", port));
        String env = "rt-" + RUN + "-pause";
        // every start of the container adds a line to its volume, and the page /starts counts them
        String web = image("paused page", "echo started >> /data/starts; wc -l < /data/starts | tr -d ' ' >"
                + " /www/starts; exec httpd -f -p $PORT -h /www", "VOLUME /data\n");
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        DeployResult setup = routed.setup(env, spec("web"), Map.of("web", web), RuntimeListener.SILENT);
        assertTrue(setup.succeeded(), setup.reason());
        String url = setup.endpoints().get("web");
        assertEquals("http://web-" + env + ".localhost:" + port, url);
        assertEquals("200 paused page", viaRouter(url, "/"));
        assertEquals("200 1", viaRouter(url, "/starts"));
        var before = docker.inspectContainerCmd(DockerRuntime.containerName(env, "web")).exec();
        String volume = before.getMounts().get(0).getName();

        DeployResult paused = routed.pause(env, spec("web"), recordingTo(events));
        assertTrue(paused.succeeded(), paused.reason());
        var stopped = docker.inspectContainerCmd(DockerRuntime.containerName(env, "web")).exec();
        assertEquals(before.getId(), stopped.getId(), "the container is kept");
        assertFalse(stopped.getState().getRunning(), "and stopped");
        assertTrue(viaRouter(url, "/").startsWith("404 "), "its host name has no environment behind it");
        assertFalse(get(admin + "/config/apps/http/servers/stagecraft/routes").contains("sc-" + env + "__web"));
        assertFalse(docker.listNetworksCmd().withNameFilter(DockerRuntime.networkName(env)).exec().isEmpty(),
                "the network is kept");
        assertNotNull(docker.inspectVolumeCmd(volume).exec(), "the volume is kept");
        assertTrue(events.containsAll(List.of("started services.web", "succeeded services.web")), events.toString());

        events.clear();
        assertTrue(routed.pause(env, spec("web"), recordingTo(events)).succeeded(), "a second pause is harmless");
        assertTrue(events.contains("log services.web: already stopped"), events.toString());

        events.clear();
        DeployResult resumed = routed.resume(env, spec("web"), recordingTo(events));
        assertTrue(resumed.succeeded(), resumed.reason());
        assertEquals(setup.endpoints(), resumed.endpoints());
        assertEquals(List.of("web"), resumed.started());
        assertTrue(events.containsAll(List.of("started services.web", "succeeded services.web")), events.toString());
        assertEquals("200 paused page", viaRouter(url, "/"));
        assertEquals("200 2", viaRouter(url, "/starts"), "started a second time, on the data of the first");
        var running = docker.inspectContainerCmd(DockerRuntime.containerName(env, "web")).exec();
        assertEquals(before.getId(), running.getId(), "the same container");
        assertEquals(before.getImageId(), running.getImageId(), "the same image");
        assertTrue(running.getState().getRunning());

        docker.removeContainerCmd(before.getId()).withForce(true).withRemoveVolumes(true).exec();
        DeployResult missing = routed.resume(env, spec("web"), RuntimeListener.SILENT);
        assertFalse(missing.succeeded());
        assertEquals("services.web", missing.failedTask());
        assertTrue(missing.reason().contains("service 'web'") && missing.reason().contains(
                "a setup (POST /api/environments/" + env + "/setup) creates it again"), missing.reason());
        assertTrue(routed.teardown(env, List.of(), RuntimeListener.SILENT).clean());
    }

    /**
     * "status body" of {@code path} at the router for {@code url}'s host name; the request goes to loopback, as the
     * host name may not resolve here.
     */
    private static String viaRouter(String url, String path) throws IOException {
        URI uri = URI.create(url);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", uri.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: " + uri.getHost() + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            int body = response.indexOf("\r\n\r\n");
            return response.split(" ", 3)[1] + " " + (body < 0 ? "" : response.substring(body + 4).strip());
        }
    }

    @Test
    void sealedSecretsAreOpenedOnlyInsideTheContainer() throws Exception {
        String env = "rt-" + RUN + "-secret";
        String image = image("x", "echo $TOKEN-$PLAIN > /www/index.html; exec httpd -f -p $PORT -h /www");
        EnvironmentSpec spec = new EnvironmentSpec("runtime-test", List.of(new ServiceSpec("web", null, null, 8080,
                Map.of("PLAIN", "visible"))), Map.of("TOKEN", "sealed:t0ps3cret"));
        DeployResult result = setUp(env, spec, Map.of("web", image));
        assertEquals("t0ps3cret-visible", get(result.endpoints().get("web")));
        String hash = docker.inspectContainerCmd(DockerRuntime.containerName(env, "web")).exec().getConfig().getLabels()
                .get(Labels.CONFIG_HASH);
        assertFalse(hash.contains("t0ps3cret"));
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    @Test
    void patchReplacesOnlyTheServiceWhoseImageChangedAndKeepsItsPort() throws Exception {
        String env = "rt-" + RUN + "-patch";
        String api = image("api v1", null);
        DeployResult setup = runtime.setup(env, spec("web", "api"), Map.of("web", image("web v1", null), "api", api),
                RuntimeListener.SILENT);
        assertTrue(setup.succeeded(), setup.reason());
        String apiId = docker.inspectContainerCmd(DockerRuntime.containerName(env, "api")).exec().getId();

        DeployResult patch = runtime.patch(env, spec("web", "api"), Map.of("web", image("web v2", null), "api", api),
                RuntimeListener.SILENT);
        assertTrue(patch.succeeded(), patch.reason());
        assertEquals(List.of("web"), patch.started());
        assertEquals(setup.endpoints(), patch.endpoints(), "ports are kept across a patch");
        assertEquals("web v2", get(patch.endpoints().get("web")));
        assertEquals(apiId, docker.inspectContainerCmd(DockerRuntime.containerName(env, "api")).exec().getId());
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    @Test
    void aContainerKnowsTheCommitItWasStartedAt() throws Exception {
        String env = "rt-" + RUN + "-commit";
        String page = "echo $STAGECRAFT_COMMIT_SHORT $RELEASE_COMMIT_SHA > /www/index.html; exec httpd -f -p $PORT -h /www";
        String api = image("api", page);
        String a = "a".repeat(40);
        String b = "b".repeat(40);
        DeployResult setup = runtime.setup(env, spec("web", "api"), Map.of("web", image("web1", page), "api", api), a,
                RuntimeListener.SILENT);
        assertTrue(setup.succeeded(), setup.reason());
        assertEquals("aaaaaaa " + a, get(setup.endpoints().get("api")));
        DeployResult patch = runtime.patch(env, spec("web", "api"), Map.of("web", image("web2", page), "api", api), b,
                RuntimeListener.SILENT);
        assertEquals(List.of("web"), patch.started(), "a new commit alone restarts nothing");
        assertEquals("bbbbbbb " + b, get(patch.endpoints().get("web")));
        assertEquals("aaaaaaa " + a, get(patch.endpoints().get("api")));
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    @Test
    void aServiceThatExitsFailsSetupWithItsExitCodeAndOutput() throws Exception {
        String env = "rt-" + RUN + "-crash";
        List<String> finished = new ArrayList<>();
        RuntimeListener listener = RuntimeListener.of(t -> { }, (task, ok, msg) -> finished.add(task + ":" + ok),
                (s, l) -> { }, () -> { });
        DeployResult result = runtime.setup(env, spec("web"),
                Map.of("web", image("x", "echo missing configuration DATABASE_URL; exit 3")), listener);
        assertFalse(result.succeeded());
        assertEquals("services.web", result.failedTask());
        assertTrue(result.reason().contains("exited with code 3"), result.reason());
        assertTrue(result.reason().contains("missing configuration DATABASE_URL"), result.reason());
        assertEquals(List.of("services.web:false"), finished);
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    @Test
    void teardownRemovesContainersAndImagesAndSucceedsAgainOnNothing() throws Exception {
        String env = "rt-" + RUN + "-teardown";
        String web = image("web", null);
        setUp(env, spec("web"), Map.of("web", web));
        assertTrue(runtime.environmentsWithResources().contains(env), "the inventory lists a running environment");
        TeardownResult first = runtime.teardown(env, List.of(web), RuntimeListener.SILENT);
        assertTrue(first.clean());
        assertTrue(!runtime.environmentsWithResources().contains(env), "and not a torn down one");
        assertTrue(first.removed().contains("image " + web), first.removed().toString());
        assertEquals(List.of(), containers(env));

        TeardownResult second = runtime.teardown(env, List.of(web), RuntimeListener.SILENT);
        assertTrue(second.clean());
        assertEquals(List.of(), second.removed());
    }

    @Test
    void anImageAnotherEnvironmentRunsIsKept() throws Exception {
        String shared = image("shared", null);
        String a = "rt-" + RUN + "-a";
        String b = "rt-" + RUN + "-b";
        setUp(a, spec("web"), Map.of("web", shared));
        setUp(b, spec("web"), Map.of("web", shared));
        TeardownResult teardownA = runtime.teardown(a, List.of(shared), RuntimeListener.SILENT);
        assertTrue(teardownA.kept().get(0).contains(shared), teardownA.kept().toString());
        assertEquals("shared", get(runtime.patch(b, spec("web"), Map.of("web", shared), RuntimeListener.SILENT)
                .endpoints().get("web")));
        assertTrue(runtime.teardown(b, List.of(shared), RuntimeListener.SILENT).removed().contains("image " + shared));
    }

    @Test
    void servicesFindEachOtherByNameOnTheirOwnNetworkWhichTeardownRemoves() throws Exception {
        String env = "rt-" + RUN + "-network";
        String web = image("unused", "until wget -q -O /www/index.html $API_URL/; do sleep 0.2; done;"
                + " echo via $API_HOST:$API_PORT >> /www/index.html; exec httpd -f -p $PORT -h /www");
        DeployResult up = runtime.setup(env, spec("web", "api"), Map.of("web", web, "api", image("api page", null)),
                RuntimeListener.SILENT);
        assertTrue(up.succeeded(), up.reason());
        assertEquals("api pagevia api:8080", get(up.endpoints().get("web")));
        var network = docker.inspectNetworkCmd().withNetworkId(DockerRuntime.networkName(env)).exec();
        assertEquals(env, network.getLabels().get(Labels.ENVIRONMENT));
        assertTrue(up.endpoints().get("web").matches("http://\\d+\\.\\d+\\.\\d+\\.\\d+:8080"), up.endpoints().toString());

        TeardownResult down = runtime.teardown(env, List.of(), RuntimeListener.SILENT);
        assertTrue(down.clean(), down.leftovers().toString());
        assertTrue(down.removed().contains("network " + DockerRuntime.networkName(env)), down.removed().toString());
        assertTrue(docker.listNetworksCmd().withNameFilter(DockerRuntime.networkName(env)).exec().isEmpty());
        assertFalse(runtime.environmentsWithResources().contains(env));
    }

    @Test
    void aServicePastItsMemoryLimitIsReportedOutOfMemoryAndEveryContainerIsLimited() throws Exception {
        String env = "rt-" + RUN + "-oom";
        String hog = image("unused", "a=$(yes | head -c 200000000); exec httpd -f -p $PORT -h /www");
        ServiceSpec limited = new ServiceSpec("web", null, null, 8080, Map.of(), List.of(), List.of(), List.of(), null,
                null, new EnvironmentSpec.ResourcesSpec(null, "500m", null, "16Mi"), 1, List.of(), List.of());
        DeployResult result = runtime.setup(env, new EnvironmentSpec("runtime-test", List.of(limited), Map.of()),
                Map.of("web", hog), RuntimeListener.SILENT);
        assertFalse(result.succeeded());
        assertTrue(result.reason().contains("out of memory (limit 16 MiB)"), result.reason());
        var host = docker.inspectContainerCmd(DockerRuntime.containerName(env, "web")).exec().getHostConfig();
        assertEquals(16L << 20, host.getMemory());
        assertEquals(500_000_000L, host.getNanoCPUs());
        assertEquals(512L, host.getPidsLimit());
        assertTrue(host.getSecurityOpts().contains("no-new-privileges"), host.getSecurityOpts().toString());
        assertEquals(DockerRuntime.networkName(env), host.getNetworkMode());
        runtime.teardown(env, List.of(), RuntimeListener.SILENT);
    }

    /**
     * A teardown while a setup still runs (its cancellation travels on another topic and may come late): the
     * environment's network is gone when the teardown ends, so the setup cannot start the next container, and nothing
     * of the environment is left.
     */
    @Test
    void aSetupThatGoesOnAfterItsTeardownCannotBringTheEnvironmentBack() throws Exception {
        String env = "rt-" + RUN + "-race";
        EnvironmentSpec.JobSpec wait = new EnvironmentSpec.JobSpec("wait", null, BaseImages.BUSYBOX,
                List.of("sh", "-c", "sleep 5"), List.of(), Map.of(), 30, false);
        EnvironmentSpec spec = webWithWorkflow(List.of(wait), "setup",
                new EnvironmentSpec.StepSpec("wait", List.of("jobs.wait"), false, true),
                new EnvironmentSpec.StepSpec("serve", List.of("services.web"), true, true));
        String web = image("web page", null);
        CompletableFuture<DeployResult> setup = CompletableFuture.supplyAsync(
                () -> runtime.setup(env, spec, Map.of("web", web), RuntimeListener.SILENT));
        Awaitility.await("the job runs").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> !containers(env).isEmpty());
        assertEquals(1, containers(env).size(), "the job runs");

        TeardownResult down = runtime.teardown(env, List.of(), RuntimeListener.SILENT);
        assertTrue(down.clean(), down.leftovers().toString());
        DeployResult result = setup.get(60, TimeUnit.SECONDS);
        assertFalse(result.succeeded(), "the setup went on to services.web and could not start it");
        assertTrue(result.reason().contains("web"), result.reason());
        assertTrue(containers(env).isEmpty(), containers(env).toString());
        assertTrue(docker.listNetworksCmd().withNameFilter(DockerRuntime.networkName(env)).exec().isEmpty());
    }
}

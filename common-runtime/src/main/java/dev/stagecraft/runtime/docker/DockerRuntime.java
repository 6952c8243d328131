package dev.stagecraft.runtime.docker;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.jboss.logging.Logger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.api.model.Volume;
import com.github.dockerjava.api.async.ResultCallback;

import dev.stagecraft.runtime.datasets.ConnectionVariables;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.DatasetCheckouts;
import dev.stagecraft.runtime.datasets.DatasetPools;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.runtime.EnvironmentRuntime;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.RuntimeSpans;
import dev.stagecraft.runtime.router.CaddyRouter;
import dev.stagecraft.runtime.workflow.TaskPlan;
import dev.stagecraft.runtime.workflow.WorkflowExecutor;
import dev.stagecraft.runtime.workflow.WorkflowExecutor.TaskOutcome;

/**
 * Runs environments as containers on one Docker engine, each environment on a bridge network of its own
 * ({@code stagecraft-<environment>}), like a compose project. A service listens on its template port (also in
 * {@code PORT}) and finds the others by service name through the network's DNS, and through {@code <SERVICE>_HOST},
 * {@code <SERVICE>_PORT} and {@code <SERVICE>_URL}. Nothing on the host's loopback and no other environment's network
 * is reachable from it; the host reaches it on its bridge address. Every container has memory, CPU and process
 * limits, {@code no-new-privileges} and no {@code NET_RAW}.
 * A container is identified by its environment and service labels and replaced only when its configuration hash
 * (image, variables, port, limits) changes, so setup and patch converge. A pause stops the service containers and
 * keeps them; a resume starts the same containers again. Setup, patch, pause, resume and teardown, the network, each
 * container's start and its readiness are spans in the trace of the stage run that asks for them.
 */
public final class DockerRuntime implements EnvironmentRuntime {

    private static final Logger LOG = Logger.getLogger(DockerRuntime.class);
    /** The label holding a service container's host names on the router, comma-separated. */
    static final String HOSTS = "stagecraft.dev/hosts";
    /** Rounds of removal until neither container nor network of the environment is left. */
    private static final int FENCE_ROUNDS = 20;
    private static final Duration FENCE_PAUSE = Duration.ofMillis(100);

    private final DockerClient docker;
    private final Duration readinessTimeout;
    private final ContainerLimits defaultLimits;
    private final UnaryOperator<String> openSecret;
    private final CaddyRouter router;
    private final DockerDatasets datasets;

    /**
     * @param defaultLimits what a container gets where the template sets no limit
     * @param openSecret    turns a sealed secret variable into its value (only when the container is created)
     */
    public DockerRuntime(DockerClient docker, Duration readinessTimeout, ContainerLimits defaultLimits,
            UnaryOperator<String> openSecret) {
        this(docker, readinessTimeout, defaultLimits, openSecret, null);
    }

    /**
     * @param router where users reach the services (routes added once a service is ready, removed at teardown);
     *               null: endpoints are the services' addresses on their networks, reachable from this host only
     */
    public DockerRuntime(DockerClient docker, Duration readinessTimeout, ContainerLimits defaultLimits,
            UnaryOperator<String> openSecret, CaddyRouter router) {
        this(docker, readinessTimeout, defaultLimits, openSecret, router, List.of());
    }

    /** @param datasets the installation's datasets, which a spec's {@code datasets} check copies out of */
    public DockerRuntime(DockerClient docker, Duration readinessTimeout, ContainerLimits defaultLimits,
            UnaryOperator<String> openSecret, CaddyRouter router, List<Dataset> datasets) {
        this.datasets = new DockerDatasets(docker, datasets, defaultLimits);
        this.router = router;
        this.openSecret = openSecret;
        this.docker = docker;
        this.readinessTimeout = readinessTimeout;
        this.defaultLimits = defaultLimits;
    }

    @Override
    public DeployResult setup(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener) {
        return RuntimeSpans.inSpan("docker setup", environmentId,
                () -> converge(environmentId, spec, images, commit, listener, true));
    }

    @Override
    public DeployResult patch(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener) {
        return RuntimeSpans.inSpan("docker patch", environmentId,
                () -> converge(environmentId, spec, images, commit, listener, false));
    }

    /**
     * Takes each service's routes off the router, then stops its container (SIGTERM, SIGKILL after
     * {@value #STOP_SECONDS} s) and keeps it, its network and its volumes; services are stopped all at once.
     */
    @Override
    public DeployResult pause(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
        return pause(environmentId, spec, null, listener);
    }

    /**
     * As {@link #pause(String, EnvironmentSpec, RuntimeListener)}; with {@code wakeUpstream} and a router, a sleep:
     * each service's host names stay on the router, routed to the gateway's wake endpoint
     * ({@link CaddyRouter#publishWake}) instead of being taken off.
     */
    @Override
    public DeployResult pause(String environmentId, EnvironmentSpec spec, String wakeUpstream,
            RuntimeListener listener) {
        boolean sleep = wakeUpstream != null && router != null;
        return RuntimeSpans.inSpan(sleep ? "docker sleep" : "docker pause", environmentId, () -> {
            Map<String, Container> existing = servicesOf(environmentId);
            WorkflowExecutor.Result result = TaskPlan.pause(spec).run(new TaskPlan.Handlers() {
                @Override
                public TaskOutcome stop(ServiceSpec service) {
                    listener.checkCancelled();
                    Runnable offRouter = sleep && service.port() > 0
                            ? () -> router.publishWake(environmentId, service.name(),
                                    hosts(environmentId, spec, service.name()), wakeUpstream)
                            : () -> router.unpublish(environmentId, service.name());
                    return stopService(environmentId, service.name(), existing.get(service.name()), offRouter,
                            listener);
                }
            }, listener);
            if (!result.succeeded()) {
                return DeployResult.failed(result.failedTask(), result.reason());
            }
            // a container of a service the spec does not name (an older spec) is stopped all the same
            for (Map.Entry<String, Container> e : existing.entrySet()) {
                if (e.getKey() != null && spec.services().stream().noneMatch(s -> s.name().equals(e.getKey()))) {
                    String service = e.getKey();
                    TaskOutcome stopped = stopService(environmentId, service, e.getValue(),
                            () -> router.unpublish(environmentId, service), listener);
                    if (!stopped.succeeded()) {
                        return DeployResult.failed("services." + e.getKey(), stopped.reason());
                    }
                }
            }
            return DeployResult.ok(Map.of(), List.of());
        });
    }

    /** How long a stopping container may take after SIGTERM before the engine kills it. */
    private static final int STOP_SECONDS = 10;

    /**
     * Stops the service's container; {@code offRouter} takes its host names off the router (or routes them to the
     * wake endpoint) before the container stops, and once more after.
     */
    private TaskOutcome stopService(String environmentId, String service, Container container, Runnable offRouter,
            RuntimeListener listener) {
        try {
            if (router != null) { // its host names answer 404 (or wake it) before its container goes away
                offRouter.run();
            }
        } catch (CaddyRouter.RouterException e) {
            return TaskOutcome.failed("the routes of '" + service + "' could not be taken off the router: "
                    + e.getMessage());
        }
        if (container == null) {
            listener.log("services." + service, "no container: nothing to stop");
            return TaskOutcome.ok();
        }
        try {
            RuntimeSpans.inSpan("docker stop", environmentId,
                    span -> span.setAttribute("stagecraft.service", service), () -> docker.stopContainerCmd(
                            container.getId()).withTimeout(STOP_SECONDS).exec());
            listener.log("services." + service, "stopped its container; it is kept with its network and volumes");
        } catch (NotModifiedException alreadyStopped) {
            listener.log("services." + service, "already stopped");
        } catch (NotFoundException gone) {
            listener.log("services." + service, "no container: nothing to stop");
        }
        try {
            if (router != null) {
                // a route sync that listed the container before it stopped may have routed it again meanwhile
                offRouter.run();
            }
        } catch (CaddyRouter.RouterException e) {
            return TaskOutcome.failed("the routes of '" + service + "' could not be taken off the router: "
                    + e.getMessage());
        }
        return TaskOutcome.ok();
    }

    /**
     * Starts each service's stopped container again (the setup workflow's order, so dependencies first), waits until
     * it answers as a setup does, and routes it again; a container that is gone fails its service, since only a setup
     * can create it again.
     */
    @Override
    public DeployResult resume(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
        return RuntimeSpans.inSpan("docker resume", environmentId, () -> {
            List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
            WorkflowExecutor.Result result = TaskPlan.resume(spec).run(new TaskPlan.Handlers() {
                @Override
                public TaskOutcome start(ServiceSpec service) throws InterruptedException {
                    listener.checkCancelled();
                    return startService(environmentId, service, started, listener);
                }
            }, listener);
            if (!result.succeeded()) {
                return DeployResult.failed(result.failedTask(), result.reason());
            }
            return published(environmentId, spec, List.copyOf(started));
        });
    }

    private TaskOutcome startService(String environmentId, ServiceSpec service, List<String> started,
            RuntimeListener listener) throws InterruptedException {
        String name = containerName(environmentId, service.name());
        InspectContainerResponse container;
        try {
            container = docker.inspectContainerCmd(name).exec();
        } catch (NotFoundException gone) {
            return TaskOutcome.failed("the container of service '" + service.name() + "' (" + name + ") is gone, so it"
                    + " cannot be resumed; a setup (POST /api/environments/" + environmentId + "/setup) creates it"
                    + " again");
        }
        if (Boolean.TRUE.equals(container.getState().getRunning())) {
            listener.log(task(service), "already running");
        } else {
            try {
                RuntimeSpans.inSpan("docker start", environmentId,
                        span -> span.setAttribute("stagecraft.service", service.name()), () -> {
                            docker.startContainerCmd(container.getId()).exec();
                            return null;
                        });
                started.add(service.name());
                listener.log(task(service), "started its container again (" + container.getConfig().getImage() + ")");
            } catch (NotModifiedException alreadyRunning) {
                listener.log(task(service), "already running");
            } catch (RuntimeException e) {
                return TaskOutcome.failed("container for '" + service.name() + "' did not start: " + e.getMessage());
            }
        }
        ContainerLimits limits = defaultLimits.forResources(service.resources());
        String problem = RuntimeSpans.inSpan("docker readiness", environmentId,
                span -> span.setAttribute("stagecraft.service", service.name()),
                () -> awaitAnswer(environmentId, service, service.port(), limits, listener));
        return problem == null ? TaskOutcome.ok() : TaskOutcome.failed(problem);
    }

    private DeployResult converge(String environmentId, EnvironmentSpec spec, Map<String, String> images,
            String commit, RuntimeListener listener, boolean setup) {
        Map<String, Container> existing = servicesOf(environmentId);
        Map<String, Integer> portOf = new LinkedHashMap<>();
        for (ServiceSpec service : spec.services()) {
            portOf.put(service.name(), service.port());
        }
        Map<String, String> discovery = discoveryVariables(portOf);
        for (ServiceSpec service : spec.services()) {
            if (images.getOrDefault(service.name(), service.image()) == null) {
                return DeployResult.failed(task(service), "no image for service '" + service.name()
                        + "': it has no build and no image");
            }
        }
        try {
            RuntimeSpans.inSpan("docker network", environmentId, () -> {
                ensureNetwork(environmentId, spec.application());
                return null;
            });
        } catch (RuntimeException e) {
            return DeployResult.failed("release.network", "the environment's network "
                    + networkName(environmentId) + " could not be created: " + e.getMessage());
        }
        Map<String, DockerDatasets.Checkout> copies = new LinkedHashMap<>();
        DeployResult noCopy = DatasetCheckouts.checkOut(environmentId, spec, "docker dataset checkout",
                dataset -> datasets.checkout(environmentId, datasets.datasetFor(dataset.name(), spec.application())),
                copy -> "", copies, listener);
        if (noCopy != null) {
            return noCopy;
        }
        discovery = new TreeMap<>(discovery);
        discovery.putAll(connectionVariables(spec, copies));
        Map<String, String> shared = discovery;
        List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
        TaskPlan plan = setup ? TaskPlan.setup(spec) : TaskPlan.patch(spec);
        WorkflowExecutor.Result result = plan.run(new TaskPlan.Handlers() {
            @Override
            public TaskOutcome deploy(ServiceSpec service) throws Exception {
                listener.checkCancelled();
                return runService(environmentId, spec, service, images, commit, existing.get(service.name()),
                        portOf.get(service.name()), shared, copies.get(service.name()), started, listener);
            }

            @Override
            public TaskOutcome run(EnvironmentSpec.JobSpec job) throws Exception {
                listener.checkCancelled();
                return runJob(environmentId, spec, job, images, commit, shared, listener);
            }
        }, listener);
        if (!result.succeeded()) {
            return DeployResult.failed(result.failedTask(), result.reason());
        }
        if (plan.removesDroppedServices()) {
            for (Map.Entry<String, Container> e : existing.entrySet()) {
                if (!portOf.containsKey(e.getKey())) {
                    if (router != null) { // the service left the spec: its host names answer 404 from now on
                        router.unpublish(environmentId, e.getKey());
                    }
                    remove(e.getValue().getId());
                    listener.log("services." + e.getKey(), "removed its container: the service is no longer in the"
                            + " template");
                }
            }
        }
        return published(environmentId, spec, List.copyOf(started));
    }

    /**
     * Routes every running service of {@code spec} on the router (when there is one) at its host names, and returns
     * the endpoints; a router that refuses fails the service's task.
     */
    private DeployResult published(String environmentId, EnvironmentSpec spec, List<String> started) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        for (ServiceSpec service : spec.services()) {
            String address = address(environmentId, service.name());
            if (service.port() <= 0 || address == null) {
                continue;
            }
            if (router == null) {
                endpoints.put(service.name(), "http://" + address + ":" + service.port());
                continue;
            }
            List<String> hosts = hosts(environmentId, spec, service.name());
            try {
                router.publish(environmentId, service.name(), hosts, address + ":" + service.port());
            } catch (CaddyRouter.RouterException e) {
                return DeployResult.failed(task(service), e.getMessage());
            }
            endpoints.put(service.name(), router.url(hosts.get(0)));
            if (address(environmentId, service.name()) == null) { // torn down while it was being routed
                router.unpublish(environmentId, service.name());
                return DeployResult.failed(task(service), "the container of '" + service.name()
                        + "' was removed while it was being routed (the environment is being torn down)");
            }
        }
        return DeployResult.ok(endpoints, started);
    }

    /** The service's host names on the router: the template's first, if it names one, then the generated one. */
    private List<String> hosts(String environmentId, EnvironmentSpec spec, String service) {
        List<String> hosts = new ArrayList<>();
        String fromTemplate = spec.hostnames().get(service);
        if (fromTemplate != null && !fromTemplate.isBlank()) {
            hosts.add(fromTemplate);
        }
        hosts.add(router.hostName(environmentId, service));
        return hosts;
    }

    /**
     * Routes every running service container again to its current address (after the engine or the router
     * restarted, addresses and routes may have changed); returns how many routes it set.
     */
    public int syncRoutes() {
        if (router == null) {
            return 0;
        }
        List<CaddyRouter.Route> routes = new ArrayList<>();
        for (Container c : docker.listContainersCmd().withLabelFilter(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE))
                .exec()) {
            Map<String, String> labels = c.getLabels();
            String environmentId = labels.get(Labels.ENVIRONMENT);
            String service = labels.get(Labels.SERVICE);
            String port = labels.get(Labels.PORT);
            String hosts = labels.get(HOSTS);
            if (environmentId == null || service == null || port == null || hosts == null || "0".equals(port)) {
                continue;
            }
            String address = address(environmentId, service);
            if (address != null) {
                routes.add(new CaddyRouter.Route(environmentId, service, List.of(hosts.split(",")), address + ":" + port));
            }
        }
        router.publish(routes); // one change; none at all when every route is as it was
        for (CaddyRouter.Route route : routes) {
            // a teardown or a patch may have removed or replaced the container meanwhile: follow it
            String now = address(route.environmentId(), route.service());
            if (now == null) {
                router.unpublish(route.environmentId(), route.service());
            } else if (!route.upstream().startsWith(now + ":")) {
                router.publish(route.environmentId(), route.service(), route.hosts(),
                        now + route.upstream().substring(route.upstream().indexOf(':')));
            }
        }
        return routes.size();
    }

    /** The environment's bridge network, created once and labelled like its containers. */
    private void ensureNetwork(String environmentId, String application) {
        String name = networkName(environmentId);
        if (!docker.listNetworksCmd().withNameFilter(name).exec().stream().anyMatch(n -> name.equals(n.getName()))) {
            Map<String, String> labels = Labels.forEnvironment(environmentId);
            labels.put(Labels.APPLICATION, application);
            try {
                docker.createNetworkCmd().withName(name).withDriver("bridge").withLabels(labels).withCheckDuplicate(true)
                        .exec();
            } catch (ConflictException createdMeanwhile) {
                // a concurrent setup of the same environment made it
            }
        }
    }

    /** The container's address on its environment's network, or null when it has none (not running). */
    private String address(String environmentId, String service) {
        try {
            var networks = docker.inspectContainerCmd(containerName(environmentId, service)).exec().getNetworkSettings()
                    .getNetworks();
            var endpoint = networks == null ? null : networks.get(networkName(environmentId));
            return endpoint == null || endpoint.getIpAddress() == null || endpoint.getIpAddress().isEmpty() ? null
                    : endpoint.getIpAddress();
        } catch (NotFoundException gone) {
            return null;
        }
    }

    public static String networkName(String environmentId) {
        return "stagecraft-" + environmentId;
    }

    /** Starts or replaces a service's container when its configuration changed, then waits until it answers. */
    private TaskOutcome runService(String environmentId, EnvironmentSpec spec, ServiceSpec service,
            Map<String, String> images, String commit, Container current, int port, Map<String, String> discovery,
            DockerDatasets.Checkout copy, List<String> started, RuntimeListener listener) throws InterruptedException {
        String image = images.getOrDefault(service.name(), service.image());
        Map<String, String> env = environment(environmentId, spec, service, port, discovery);
        if (copy != null) {
            env.putAll(servingVariables(copy));
        }
        ContainerLimits limits = defaultLimits.forResources(service.resources());
        String hash = configHash(image + "\n" + service.command() + "\n" + service.args() + "\n" + limits
                + (copy == null ? "" : "\n" + copy.volume()), env);
        if (current != null && hash.equals(current.getLabels().get(Labels.CONFIG_HASH))
                && "running".equals(current.getState())) {
            listener.log(task(service), "unchanged, not restarted");
            return TaskOutcome.ok();
        }
        try {
            RuntimeSpans.inSpan("docker start", environmentId,
                    span -> span.setAttribute("stagecraft.service", service.name()), () -> {
                        if (current != null) {
                            remove(current.getId());
                        }
                        ensureImage(image, listener, service.name());
                        create(environmentId, spec, service, image, withCommit(env, commit), hash, port, limits,
                                copy);
                        return null;
                    });
            started.add(service.name());
        } catch (RuntimeException e) {
            return TaskOutcome.failed("container for '" + service.name() + "' did not start: " + e.getMessage());
        }
        String problem = RuntimeSpans.inSpan("docker readiness", environmentId,
                span -> span.setAttribute("stagecraft.service", service.name()),
                () -> awaitAnswer(environmentId, service, port, limits, listener));
        return problem == null ? TaskOutcome.ok() : TaskOutcome.failed(problem);
    }

    /**
     * Runs a job as a one-off container (labelled with the environment, so teardown finds one left behind): its
     * output goes to the workflow's log, a non-zero exit code or running past completed_timeout fails the task.
     */
    private TaskOutcome runJob(String environmentId, EnvironmentSpec spec, EnvironmentSpec.JobSpec job,
            Map<String, String> images, String commit, Map<String, String> discovery, RuntimeListener listener)
            throws InterruptedException {
        ServiceSpec from = job.fromService() == null ? null
                : spec.services().stream().filter(s -> s.name().equals(job.fromService())).findFirst().orElse(null);
        String image = job.image() != null ? job.image()
                : from == null ? null : images.getOrDefault(from.name(), from.image());
        if (image == null) {
            return TaskOutcome.failed("job '" + job.name() + "' has no image (from_service '" + job.fromService()
                    + "' was not built)");
        }
        Map<String, String> env = new TreeMap<>(spec.variables());
        env.putAll(discovery);
        if (from != null) {
            env.putAll(from.envs());
        }
        env.putAll(job.envs());
        env.put("STAGECRAFT_ENVIRONMENT_ID", environmentId);
        String name = containerName(environmentId, "job-" + job.name());
        try {
            docker.removeContainerCmd(name).withForce(true).exec();
        } catch (NotFoundException none) {
            // no earlier run left
        }
        ensureImage(image, listener, "jobs." + job.name());
        Map<String, String> labels = Labels.forEnvironment(environmentId);
        labels.put(Labels.APPLICATION, spec.application());
        labels.put(Labels.JOB, job.name());
        ContainerLimits limits = from == null ? defaultLimits : defaultLimits.forResources(from.resources());
        String id = createContainer(environmentId, name, null, image, labels, withCommit(env, commit), job.command(),
                job.args(), limits, List.of());
        try {
            docker.startContainerCmd(id).exec();
            long timeout = job.completedTimeoutSeconds() > 0 ? job.completedTimeoutSeconds()
                    : readinessTimeout.toSeconds();
            Integer exit;
            try {
                exit = docker.waitContainerCmd(id).start().awaitStatusCode(timeout, TimeUnit.SECONDS);
            } catch (RuntimeException timedOut) {
                exit = null;
            }
            lastOutput(name, Integer.MAX_VALUE).lines().forEach(line -> listener.log("jobs." + job.name(), line));
            if (exit == null) {
                return TaskOutcome.failed("job '" + job.name() + "' ran longer than its completed_timeout ("
                        + timeout + " s)");
            }
            if (Boolean.TRUE.equals(docker.inspectContainerCmd(id).exec().getState().getOOMKilled())) {
                return TaskOutcome.failed("job '" + job.name() + "' was killed: out of memory (limit "
                        + limits.memoryText() + ")");
            }
            return exit == 0 ? TaskOutcome.ok()
                    : TaskOutcome.failed("job '" + job.name() + "' exited with code " + exit);
        } finally {
            remove(id);
        }
    }

    /**
     * Null when the service answers on its port on its network (or, without a port, is still running after a
     * moment); otherwise why it never will.
     */
    private String awaitAnswer(String environmentId, ServiceSpec service, int port, ContainerLimits limits,
            RuntimeListener listener) throws InterruptedException {
        long deadline = System.nanoTime() + readinessTimeout.toNanos();
        long settled = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        String name = containerName(environmentId, service.name());
        long pause = 10; // most services answer within milliseconds of starting; slow ones are asked every 100 ms
        while (System.nanoTime() < deadline) {
            listener.checkCancelled();
            String address = address(environmentId, service.name());
            if (port > 0 && address != null && answers(address, port)) {
                return null;
            }
            InspectContainerResponse state = docker.inspectContainerCmd(name).exec();
            if (!Boolean.TRUE.equals(state.getState().getRunning())) {
                if (Boolean.TRUE.equals(state.getState().getOOMKilled())) {
                    return "service '" + service.name() + "' was killed: out of memory (limit " + limits.memoryText()
                            + "); last output: " + lastOutput(name);
                }
                return "service '" + service.name() + "' exited with code " + state.getState().getExitCodeLong()
                        + " before answering on port " + port + "; last output: " + lastOutput(name);
            }
            if (port <= 0 && System.nanoTime() > settled) {
                return null;
            }
            Thread.sleep(pause);
            pause = Math.min(100, pause * 2);
        }
        return "service '" + service.name() + "' did not answer on port " + port + " within "
                + readinessTimeout.toSeconds() + "s; last output: " + lastOutput(name);
    }

    /** A service answers when it accepts a connection and, if it speaks HTTP, returns any response. */
    private static boolean answers(String address, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 500);
        } catch (IOException e) {
            return false;
        }
        try {
            HttpURLConnection http = (HttpURLConnection) URI.create("http://" + address + ":" + port + "/").toURL()
                    .openConnection();
            http.setConnectTimeout(1000);
            http.setReadTimeout(2000);
            http.getResponseCode();
            http.disconnect();
        } catch (IOException e) {
            // not HTTP, or not yet: a TCP answer is enough for a non-HTTP service
            LOG.debugf("port %d accepts connections but gave no HTTP answer: %s", port, e.getMessage());
        }
        return true;
    }

    private String lastOutput(String container) {
        return lastOutput(container, 10);
    }

    private String lastOutput(String container, int lines) {
        return lastOutput(docker, container, lines);
    }

    /** The container's last {@code lines} of output ({@code Integer.MAX_VALUE}: all), or why it cannot be read. */
    static String lastOutput(DockerClient docker, String container, int lines) {
        StringBuilder out = new StringBuilder();
        try {
            var logs = docker.logContainerCmd(container).withStdOut(true).withStdErr(true);
            if (lines != Integer.MAX_VALUE) {
                logs.withTail(lines);
            }
            logs
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            out.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    }).awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            return "(unavailable: " + e.getMessage() + ")";
        }
        return out.toString().strip();
    }

    private void ensureImage(String image, RuntimeListener listener, String service) {
        try {
            docker.inspectImageCmd(image).exec();
        } catch (NotFoundException missing) {
            listener.log(service, "pulling " + image);
            try {
                docker.pullImageCmd(image).start().awaitCompletion(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pulling " + image);
            } catch (RuntimeException e) {
                throw new IllegalStateException("image " + image + " is not on the Docker engine and could not be pulled: "
                        + e.getMessage());
            }
        }
    }

    private void create(String environmentId, EnvironmentSpec spec, ServiceSpec service, String image,
            Map<String, String> env, String hash, int port, ContainerLimits limits, DockerDatasets.Checkout copy) {
        String application = spec.application();
        Map<String, String> labels = Labels.forEnvironment(environmentId);
        labels.put(Labels.SERVICE, service.name());
        labels.put(Labels.APPLICATION, application);
        labels.put(Labels.CONFIG_HASH, hash);
        labels.put(Labels.PORT, Integer.toString(port));
        if (router != null) {
            labels.put(HOSTS, String.join(",", hosts(environmentId, spec, service.name())));
        }
        List<Bind> binds = copy == null ? List.of()
                : List.of(new Bind(copy.volume(), new Volume(copy.engine().dataDirectory())));
        String id = createContainer(environmentId, containerName(environmentId, service.name()), service.name(), image,
                labels, env, service.command(), service.args(), limits, binds);
        try {
            docker.startContainerCmd(id).exec();
        } catch (RuntimeException e) {
            // e.g. a teardown removed the network between create and start: nothing of the environment may stay
            remove(id);
            throw e;
        }
    }

    /**
     * Creates a container on the environment's network, found there by {@code alias} (its service name) when given,
     * with its limits; sealed values are opened here, and only here.
     */
    private String createContainer(String environmentId, String name, String alias, String image,
            Map<String, String> labels, Map<String, String> env, List<String> command, List<String> args,
            ContainerLimits limits, List<Bind> binds) {
        HostConfig host = HostConfig.newHostConfig().withNetworkMode(networkName(environmentId)).withBinds(binds)
                .withMemory(limits.memoryBytes()).withMemorySwap(limits.memoryBytes()).withNanoCPUs(limits.nanoCpus())
                .withPidsLimit(limits.pids()).withSecurityOpts(List.of("no-new-privileges"))
                .withCapDrop(Capability.NET_RAW);
        var create = docker.createContainerCmd(image).withName(name).withLabels(labels)
                .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + openSecret.apply(e.getValue())).toList())
                .withHostConfig(host);
        if (alias != null) {
            create.withAliases(alias);
        }
        if (!command.isEmpty()) {
            create.withEntrypoint(command);
        }
        if (!args.isEmpty()) {
            create.withCmd(args);
        }
        return create.exec().getId();
    }

    private void remove(String containerId) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException alreadyGone) {
            // converging: nothing to remove
        }
    }

    /** Whether the build-service built the image: it carries the build's labels (a base image does not). */
    private boolean builtByStagecraft(String image) {
        var config = docker.inspectImageCmd(image).exec().getConfig();
        Map<String, String> labels = config == null || config.getLabels() == null ? Map.of() : config.getLabels();
        return Labels.MANAGED_BY_VALUE.equals(labels.get(Labels.MANAGED_BY)) && labels.containsKey(Labels.GIT_TREE);
    }

    /**
     * Runs the teardown workflow: its jobs (with the images the environment's services run now), then
     * {@code release.remove_environment}; a failed job is reported and the removal still happens.
     */
    @Override
    public TeardownResult teardown(String environmentId, EnvironmentSpec spec, List<String> images,
            RuntimeListener listener) {
        return RuntimeSpans.inSpan("docker teardown", environmentId,
                () -> runTeardown(environmentId, spec, images, listener));
    }

    private TeardownResult runTeardown(String environmentId, EnvironmentSpec spec, List<String> images,
            RuntimeListener listener) {
        Map<String, String> running = new LinkedHashMap<>();
        Map<String, Integer> portOf = new LinkedHashMap<>();
        servicesOf(environmentId).forEach((service, c) -> {
            running.put(service, c.getImage());
            String port = c.getLabels().get(Labels.PORT);
            if (port != null) {
                portOf.put(service, Integer.parseInt(port));
            }
        });
        if (spec != null && !spec.jobs().isEmpty()) {
            ensureNetwork(environmentId, spec.application());
        }
        TeardownResult[] removal = new TeardownResult[1];
        WorkflowExecutor.Result result = TaskPlan.teardown(spec).run(new TaskPlan.Handlers() {
            @Override
            public TaskOutcome run(EnvironmentSpec.JobSpec job) throws Exception {
                return runJob(environmentId, spec, job, running, null, discoveryVariables(portOf), listener);
            }

            @Override
            public TaskOutcome removeEnvironment() {
                removal[0] = removeEverything(environmentId, images);
                return removal[0].clean() ? TaskOutcome.ok()
                        : TaskOutcome.failed("still present: " + removal[0].leftovers());
            }
        }, listener);
        if (removal[0] == null) {
            // a job halted the workflow before the removal: the environment goes anyway
            listener.log(result.failedTask(), "failed during teardown: " + result.reason());
            removal[0] = removeEverything(environmentId, images);
        }
        return removal[0];
    }

    /**
     * Removes routes, containers and the network, then checks that none is left. The network is the fence against
     * work still running for the environment: a setup or patch cancelled a moment ago (its cancellation travels on
     * another topic) may still create a container, but only on this network, so once it is gone no container of
     * the environment can start again; while such a container holds it, the network cannot be removed, and the
     * container is removed in the next round. Routes are removed first (its host names answer 404 from then on) and
     * again at the end, for a route a concurrent setup or route sync published in between.
     */
    private TeardownResult removeEverything(String environmentId, List<String> images) {
        List<String> removed = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> kept = new ArrayList<>();
        List<String> leftovers = new ArrayList<>();
        boolean routed = unpublish(environmentId, leftovers);
        java.util.Set<String> copies = new java.util.TreeSet<>();
        for (int round = 0; round < FENCE_ROUNDS; round++) {
            List<Container> containers = labelled(environmentId);
            containers.stream().filter(c -> "claim".equals(c.getLabels().get(DockerDatasets.ROLE)))
                    .forEach(c -> copies.add(c.getLabels().get(DockerDatasets.VOLUME)));
            containers.parallelStream().forEach(c -> {
                remove(c.getId());
                removed.add("container " + c.getNames()[0].replaceFirst("^/", ""));
            });
            boolean networksLeft = false;
            for (Network n : labelledNetworks(environmentId)) {
                try {
                    docker.removeNetworkCmd(n.getId()).exec();
                    removed.add("network " + n.getName());
                } catch (NotFoundException alreadyGone) {
                    // removed by a concurrent teardown
                } catch (RuntimeException inUse) {
                    networksLeft = true;
                    LOG.debugf("network %s not removed yet: %s", n.getName(), inUse.getMessage());
                }
            }
            if (!networksLeft && labelled(environmentId).isEmpty()) {
                break;
            }
            sleep(FENCE_PAUSE);
        }
        // the copies last: the containers that used them are gone now
        List<String> copiesLeft = datasets.destroy(List.copyOf(copies));
        copies.stream().filter(v -> !copiesLeft.contains("volume " + v)).forEach(v -> removed.add("volume " + v));
        leftovers.addAll(copiesLeft);
        routed |= unpublish(environmentId, leftovers);
        if (routed) {
            removed.add("routes of " + environmentId);
        }
        for (String image : images == null ? List.<String>of() : images) {
            try {
                if (!builtByStagecraft(image)) {
                    kept.add("image " + image + " (not built by Stagecraft: images a template names are never removed)");
                    continue;
                }
                docker.removeImageCmd(image).exec();
                removed.add("image " + image);
            } catch (NotFoundException alreadyGone) {
                // removed by an earlier teardown
            } catch (ConflictException inUse) {
                kept.add("image " + image + " (used by another container)");
            }
        }
        for (Container c : labelled(environmentId)) {
            leftovers.add("container " + c.getNames()[0]);
        }
        if (router != null && leftovers.stream().noneMatch(l -> l.startsWith("routes"))
                && !unrouted(environmentId, leftovers)) {
            leftovers.add("routes of " + environmentId + " on the router");
        }
        for (Network n : labelledNetworks(environmentId)) {
            leftovers.add("network " + n.getName());
        }
        return new TeardownResult(removed, kept, leftovers);
    }

    /**
     * Whether the router holds no route of the environment, removing what it finds again for a while. A route sync
     * of the setup-service that listed the containers before they went publishes their routes once more and takes
     * them away again later in the same pass (their containers are gone): such a route is transient, and under load
     * (200 teardowns while a sync walks 200 environments) it was found by the check above and failed the teardown.
     */
    private boolean unrouted(String environmentId, List<String> leftovers) {
        for (int round = 0; round < FENCE_ROUNDS; round++) {
            if (!router.routedEnvironments().contains(environmentId)) {
                return true;
            }
            LOG.debugf("routes of %s are back on the router (a route sync that raced the teardown): removing them"
                    + " again", environmentId);
            unpublish(environmentId, leftovers);
            sleep(FENCE_PAUSE);
        }
        return !router.routedEnvironments().contains(environmentId);
    }

    /** Removes the environment's routes; a router that refuses is noted in {@code leftovers} once. */
    private boolean unpublish(String environmentId, List<String> leftovers) {
        if (router == null) {
            return false;
        }
        try {
            return router.unpublish(environmentId);
        } catch (CaddyRouter.RouterException e) {
            if (leftovers.stream().noneMatch(l -> l.startsWith("routes"))) {
                leftovers.add("routes (" + e.getMessage() + ")");
            }
            return false;
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public java.util.Set<String> environmentsWithResources() {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (Container c : docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).exec()) {
            String id = c.getLabels().get(Labels.ENVIRONMENT);
            if (id != null) {
                ids.add(id);
            }
        }
        if (router != null) {
            ids.addAll(router.routedEnvironments());
        }
        for (Network n : docker.listNetworksCmd().withFilter("label",
                List.of(Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE)).exec()) {
            String id = n.getLabels() == null ? null : n.getLabels().get(Labels.ENVIRONMENT);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    private List<Network> labelledNetworks(String environmentId) {
        return docker.listNetworksCmd().withFilter("label", List.of(Labels.ENVIRONMENT + "=" + environmentId,
                Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE)).exec();
    }

    private List<Container> labelled(String environmentId) {
        return docker.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(Labels.ENVIRONMENT, environmentId, Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE))
                .exec();
    }

    private Map<String, Container> servicesOf(String environmentId) {
        Map<String, Container> byService = new LinkedHashMap<>();
        for (Container c : labelled(environmentId)) {
            if (c.getLabels().containsKey(Labels.SERVICE)) { // not a job's container nor a dataset copy's claim
                byService.put(c.getLabels().get(Labels.SERVICE), c);
            }
        }
        return byService;
    }

    private static Map<String, String> discoveryVariables(Map<String, Integer> portOf) {
        Map<String, String> vars = new TreeMap<>();
        portOf.forEach((service, port) -> {
            String prefix = envName(service);
            vars.put(prefix + "_HOST", service);
            if (port > 0) {
                vars.put(prefix + "_PORT", Integer.toString(port));
                vars.put(prefix + "_URL", "http://" + service + ":" + port);
            }
        });
        return vars;
    }

    private static Map<String, String> environment(String environmentId, EnvironmentSpec spec, ServiceSpec service,
            int port, Map<String, String> discovery) {
        Map<String, String> env = new TreeMap<>(spec.variables());
        env.putAll(discovery);
        env.putAll(service.envs());
        if (port > 0) {
            env.put("PORT", Integer.toString(port));
        }
        env.put("STAGECRAFT_ENVIRONMENT_ID", environmentId);
        env.put("STAGECRAFT_SERVICE", service.name());
        return env;
    }

    /** How every service reaches the databases of the environment's dataset copies ({@link ConnectionVariables}). */
    static Map<String, String> connectionVariables(EnvironmentSpec spec, Map<String, DockerDatasets.Checkout> copies) {
        Map<String, ConnectionVariables.Copy> served = new LinkedHashMap<>();
        copies.forEach((service, copy) -> served.put(service, new ConnectionVariables.Copy(copy.dataset(),
                copy.engine(), copy.database(), copy.user(), copy.password())));
        return ConnectionVariables.of(spec, served);
    }

    /** What the database service serving {@code copy} is told: where the data is, and whose it is. */
    private static Map<String, String> servingVariables(DockerDatasets.Checkout copy) {
        return DatabaseImages.servingVariables(copy.engine(), copy.database(), copy.user(), copy.password());
    }

    /** The installation's datasets on this engine: their snapshots and pools. */
    public DockerDatasets datasets() {
        return datasets;
    }

    @Override
    public java.util.Optional<DatasetPools> datasetPools() {
        return java.util.Optional.of(datasets);
    }

    /** The commit variables, under Stagecraft's and Release's names; outside the config hash on purpose. */
    private static Map<String, String> withCommit(Map<String, String> env, String commit) {
        if (commit == null) {
            return env;
        }
        Map<String, String> all = new TreeMap<>(env);
        String shortSha = commit.length() > 7 ? commit.substring(0, 7) : commit;
        all.put("STAGECRAFT_COMMIT_SHA", commit);
        all.put("RELEASE_COMMIT_SHA", commit);
        all.put("STAGECRAFT_COMMIT_SHORT", shortSha);
        all.put("RELEASE_COMMIT_SHORT", shortSha);
        return all;
    }

    static String envName(String service) {
        return service.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String configHash(String image, Map<String, String> env) {
        StringBuilder config = new StringBuilder(image);
        new TreeMap<>(env).forEach((k, v) -> config.append(k).append('=').append(v).append('\n'));
        return SpecHash.sha256(config.toString()).substring(0, 16);
    }

    public static String containerName(String environmentId, String service) {
        return "stagecraft-" + environmentId + "-" + service;
    }

    private static String task(ServiceSpec service) {
        return "services." + service.name();
    }
}

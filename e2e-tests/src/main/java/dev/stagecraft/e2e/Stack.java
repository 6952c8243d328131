package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.infra.LocalInfra;
import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.docker.BaseImages;
import dev.stagecraft.runtime.docker.DockerClients;

/**
 * Everything a lifecycle needs, started from nothing: Kafka and PostgreSQL, the local base image, the sample
 * repository behind a git HTTP server, and the five services as processes.
 */
public final class Stack implements AutoCloseable {

    /** The bootstrap admin token of each installation (infrastructure) stacks were started on in this JVM. */
    private static final Map<LocalInfra, String> ADMIN_TOKENS = new ConcurrentHashMap<>();

    public static final String SECRET = "sample-webhook-secret";

    public final LocalInfra infra;
    public final DockerClient docker;
    public final GitServer git;
    public final SampleRepository repository;
    public final StagecraftServices services;
    public final GatewayClient gateway;
    public final String repositoryUrl;
    public final String nonce;
    /** The bootstrap admin token the gateway was started with. */
    public final String adminToken;
    private final Path repositories;

    private Stack(LocalInfra infra, DockerClient docker, GitServer git, SampleRepository repository,
            StagecraftServices services, String nonce, String adminToken, Path repositories) {
        this.adminToken = adminToken;
        this.repositories = repositories;
        this.infra = infra;
        this.docker = docker;
        this.git = git;
        this.repository = repository;
        this.services = services;
        this.gateway = new GatewayClient(services.gatewayUrl(), adminToken);
        this.gateway.diagnoseWith(id -> StackDiagnosis.of(this, id));
        this.repositoryUrl = git.url(SampleRepository.NAME);
        this.nonce = nonce;
    }

    /**
     * @param root    the project root (where the service modules are)
     * @param infra   Kafka and PostgreSQL to use
     * @param workDir where repositories, logs and build mirrors go
     */
    public static Stack start(Path root, LocalInfra infra, Path workDir) throws Exception {
        return start(root, infra, workDir, Map.of());
    }

    /** As {@link #start(Path, LocalInfra, Path)}, with more environment variables for every service. */
    public static Stack start(Path root, LocalInfra infra, Path workDir, Map<String, String> extraEnvironment)
            throws Exception {
        DockerClient docker = DockerClients.fromEnvironment();
        BaseImages.ensureBusybox(docker);
        String nonce = UUID.randomUUID().toString().substring(0, 8);
        Path repos = Files.createDirectories(workDir.resolve("repos"));
        SampleRepository repository = SampleRepository.create(repos, nonce);
        GitServer git = GitServer.start(repos);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STAGECRAFT_KAFKA", infra.kafkaBootstrapServers());
        env.put("STAGECRAFT_JDBC_URL", infra.jdbcUrl());
        env.put("STAGECRAFT_JDBC_USER", infra.jdbcUser());
        for (String service : StagecraftServices.SERVICES) { // each service's own Kafka principal
            env.put(StagecraftServices.KAFKA_PASSWORD_OF + service.toUpperCase(java.util.Locale.ROOT),
                    infra.kafka().credentials().password("stagecraft-" + service));
        }
        env.put("STAGECRAFT_BUILD_DIR", workDir.resolve("build").toString());
        // the bootstrap admin is made once per installation: stacks on the same infrastructure (one database) share it
        String adminToken = ADMIN_TOKENS.computeIfAbsent(infra,
                i -> "sc_local_" + UUID.randomUUID().toString().replace("-", ""));
        env.put("STAGECRAFT_ADMIN_TOKEN", adminToken);
        String registry = System.getenv("STAGECRAFT_REGISTRY");
        if (registry != null) {
            env.put("STAGECRAFT_REGISTRY", registry);
        }
        // one engine builds and runs, as up.sh has it: only Kubernetes environments need their images pushed
        env.put("STAGECRAFT_BUILD_PUSH", "kubernetes");
        env.putAll(extraEnvironment);
        StagecraftServices services;
        try {
            services = StagecraftServices.start(root, env, workDir.resolve("logs"));
        } catch (Exception e) {
            git.close();
            throw e;
        }
        return new Stack(infra, docker, git, repository, services, nonce, adminToken, repos);
    }

    /**
     * The stack a benchmark drives: the project at {@code stagecraft.root} on the shared infrastructure, in a work
     * folder of its own, its services stopped when the JVM ends (Ctrl-C or kill too).
     */
    public static Stack forBenchmark(String name) throws Exception {
        Path root = Path.of(System.getProperty("stagecraft.root", ".")).toAbsolutePath();
        Stack stack = start(root, LocalInfra.shared(), Files.createTempDirectory("stagecraft-" + name + "-"));
        Runtime.getRuntime().addShutdownHook(new Thread(stack.services::close, name + "-stop"));
        return stack;
    }

    /** Registers the sample application of this stack's repository as {@code prefix-<nonce>}; returns the name. */
    public String registerSample(String prefix) throws Exception {
        String app = prefix + "-" + nonce;
        gateway.registerApplication(app, repositoryUrl, SECRET, SampleRepository.TEMPLATE);
        return app;
    }

    /** Another repository served by this stack's git server (see {@link SampleRepository#create(Path, String, Map, String)}). */
    public SampleRepository newRepository(String name, Map<String, String> files) throws Exception {
        return SampleRepository.create(repositories, name, files, "initial commit of " + name);
    }

    /** The URL the git server serves {@code name} at. */
    public String repositoryUrl(String name) {
        return git.url(name);
    }

    @Override
    public void close() throws Exception {
        services.close();
        git.close();
        repository.close();
        try {
            docker.close();
        } catch (IOException ignored) {
            // closing the client's connection pool
        }
    }
}

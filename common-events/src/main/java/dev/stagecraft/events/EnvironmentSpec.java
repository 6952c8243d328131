package dev.stagecraft.events;

import java.util.List;
import java.util.Map;

/**
 * What one environment runs, resolved from the application's templates and frozen when the environment is created.
 * {@code variables} apply to every service; a service's own {@code envs} win over them. {@code hostnames} maps a
 * service to its public host name; {@code workflows} are keyed setup, patch and teardown.
 */
public record EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables,
        List<JobSpec> jobs, Map<String, WorkflowSpec> workflows, Map<String, String> hostnames,
        List<SharedVolumeSpec> sharedVolumes, String environmentTemplate, String expiresAfter, String runtime) {

    public EnvironmentSpec {
        services = services == null ? List.of() : List.copyOf(services);
        variables = variables == null ? Map.of() : Map.copyOf(variables);
        jobs = jobs == null ? List.of() : List.copyOf(jobs);
        workflows = workflows == null ? Map.of() : Map.copyOf(workflows);
        hostnames = hostnames == null ? Map.of() : Map.copyOf(hostnames);
        sharedVolumes = sharedVolumes == null ? List.of() : List.copyOf(sharedVolumes);
    }

    public EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables) {
        this(application, services, variables, List.of(), Map.of(), Map.of(), List.of(), null, null, null);
    }

    /** Without a runtime: the installation's default runs it. */
    public EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables,
            List<JobSpec> jobs, Map<String, WorkflowSpec> workflows, Map<String, String> hostnames,
            List<SharedVolumeSpec> sharedVolumes, String environmentTemplate, String expiresAfter) {
        this(application, services, variables, jobs, workflows, hostnames, sharedVolumes, environmentTemplate,
                expiresAfter, null);
    }

    /** This spec run by {@code runtime} (docker or kubernetes; null: the installation's default). */
    public EnvironmentSpec withRuntime(String runtime) {
        return new EnvironmentSpec(application, services, variables, jobs, workflows, hostnames, sharedVolumes,
                environmentTemplate, expiresAfter, runtime);
    }

    /**
     * One service: built from {@code build} or run from {@code image}, listening on {@code port}. {@code runAsRoot}
     * (template {@code run_as_root: true}) opts it out of the non-root rule of the Kubernetes runtime, for images that
     * cannot run as another user; its namespace then enforces Pod Security {@code baseline} instead of
     * {@code restricted}.
     */
    public record ServiceSpec(String name, String image, BuildSpec build, int port, Map<String, String> envs,
            List<String> command, List<String> args, List<PortSpec> ports, ProbeSpec readinessProbe,
            ProbeSpec livenessProbe, ResourcesSpec resources, int replicas, List<VolumeSpec> volumes,
            List<String> dependsOn, boolean runAsRoot) {

        public ServiceSpec {
            envs = envs == null ? Map.of() : Map.copyOf(envs);
            command = command == null ? List.of() : List.copyOf(command);
            args = args == null ? List.of() : List.copyOf(args);
            ports = ports == null ? List.of() : List.copyOf(ports);
            volumes = volumes == null ? List.of() : List.copyOf(volumes);
            dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
            replicas = replicas <= 0 ? 1 : replicas;
        }

        public ServiceSpec(String name, String image, BuildSpec build, int port, Map<String, String> envs,
                List<String> command, List<String> args, List<PortSpec> ports, ProbeSpec readinessProbe,
                ProbeSpec livenessProbe, ResourcesSpec resources, int replicas, List<VolumeSpec> volumes,
                List<String> dependsOn) {
            this(name, image, build, port, envs, command, args, ports, readinessProbe, livenessProbe, resources,
                    replicas, volumes, dependsOn, false);
        }

        public ServiceSpec(String name, String image, BuildSpec build, int port, Map<String, String> envs) {
            this(name, image, build, port, envs, List.of(), List.of(), List.of(), null, null, null, 1, List.of(),
                    List.of(), false);
        }
    }

    /** Where a service's image is built from: a directory of the repository, the Dockerfile, build args, target. */
    public record BuildSpec(String context, String dockerfile, Map<String, String> args, String target) {

        public BuildSpec {
            args = args == null ? Map.of() : Map.copyOf(args);
        }

        public BuildSpec(String context, String dockerfile) {
            this(context, dockerfile, Map.of(), null);
        }
    }

    /** A port: {@code containerPort} inside; {@code port} exposed (node_port) or the same (container_port). */
    public record PortSpec(String type, int containerPort, int port) {
    }

    /** A readiness or liveness probe: {@code kind} exec, http_get or tcp_socket. */
    public record ProbeSpec(String kind, List<String> command, String path, int port, int periodSeconds,
            int timeoutSeconds, int failureThreshold, int initialDelaySeconds) {

        public ProbeSpec {
            command = command == null ? List.of() : List.copyOf(command);
        }
    }

    /** CPU and memory requests and limits, in Kubernetes quantities (100m, 1Gi); any may be null. */
    public record ResourcesSpec(String cpuRequest, String cpuLimit, String memoryRequest, String memoryLimit) {
    }

    /** A volume of a service: {@code type} persistent, shmem or claim (of the shared volume {@code claim}). */
    public record VolumeSpec(String name, String type, String mountPath, String size, String claim) {
    }

    /** A volume several services share, claimed by name. */
    public record SharedVolumeSpec(String name, String size, String storageClass) {
    }

    /** A job: runs to completion from a service's image ({@code fromService}) or its own {@code image}. */
    public record JobSpec(String name, String fromService, String image, List<String> command, List<String> args,
            Map<String, String> envs, int completedTimeoutSeconds, boolean haltOnError) {

        public JobSpec {
            command = command == null ? List.of() : List.copyOf(command);
            args = args == null ? List.of() : List.copyOf(args);
            envs = envs == null ? Map.of() : Map.copyOf(envs);
        }
    }

    /** A workflow: steps in order; the tasks of a step run in parallel. */
    public record WorkflowSpec(String name, List<StepSpec> steps) {

        public WorkflowSpec {
            steps = steps == null ? List.of() : List.copyOf(steps);
        }
    }

    /** One step: tasks such as services.web, jobs.migrate, release.remove_environment. */
    public record StepSpec(String name, List<String> tasks, boolean haltOnError, boolean waitForFinish) {

        public StepSpec {
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }
    }
}

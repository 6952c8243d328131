package dev.stagecraft.events;

import java.util.List;
import java.util.Map;

/**
 * What one environment runs, resolved from the application's templates and frozen when the environment is created.
 * {@code variables} apply to every service; a service's own {@code envs} win over them. {@code hostnames} maps a
 * service to its public host name; {@code workflows} are keyed setup, patch and teardown; {@code imports} are the
 * applications whose services it runs too (app_imports); {@code datasets} are the
 * installation's datasets the environment checks a copy of out at setup, each served by one of its services.
 */
public record EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables,
        List<JobSpec> jobs, Map<String, WorkflowSpec> workflows, Map<String, String> hostnames,
        List<SharedVolumeSpec> sharedVolumes, String environmentTemplate, String expiresAfter, String runtime,
        List<ImportSpec> imports, List<DatasetSpec> datasets) {

    public EnvironmentSpec {
        services = listOrNone(services);
        variables = mapOrNone(variables);
        jobs = listOrNone(jobs);
        workflows = mapOrNone(workflows);
        hostnames = mapOrNone(hostnames);
        sharedVolumes = listOrNone(sharedVolumes);
        imports = listOrNone(imports);
        datasets = listOrNone(datasets);
    }

    /** Without imported applications and datasets. */
    public EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables,
            List<JobSpec> jobs, Map<String, WorkflowSpec> workflows, Map<String, String> hostnames,
            List<SharedVolumeSpec> sharedVolumes, String environmentTemplate, String expiresAfter, String runtime) {
        this(application, services, variables, jobs, workflows, hostnames, sharedVolumes, environmentTemplate,
                expiresAfter, runtime, List.of(), List.of());
    }

    /**
     * An application this environment runs services of too (Release's {@code app_imports}): its services are those
     * of {@code services} in the spec (each also in the spec's service list, its image built from
     * {@code repositoryUrl}); {@code branches} are the branches to build it at, the first one the repository has
     * wins; the commit the build took is reported in BuildCompleted.
     */
    public record ImportSpec(String application, String repositoryUrl, List<String> branches, List<String> services) {

        public ImportSpec {
            branches = listOrNone(branches);
            services = listOrNone(services);
        }
    }

    /** The imported application {@code service} comes from, or null for the environment's own services. */
    public ImportSpec importOf(String service) {
        return imports.stream().filter(i -> i.services().contains(service)).findFirst().orElse(null);
    }

    /** An unmodifiable copy of {@code list}; an empty list for null, which a JSON payload may carry. */
    private static <T> List<T> listOrNone(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** An unmodifiable copy of {@code map}; an empty map for null. */
    private static <K, V> Map<K, V> mapOrNone(Map<K, V> map) {
        return map == null ? Map.of() : Map.copyOf(map);
    }

    public EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables) {
        this(application, services, variables, List.of(), Map.of(), Map.of(), List.of(), null, null, null, List.of(),
                List.of());
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
                environmentTemplate, expiresAfter, runtime, imports, datasets);
    }

    /** This spec with {@code datasets} checked out at setup. */
    public EnvironmentSpec withDatasets(List<DatasetSpec> datasets) {
        return new EnvironmentSpec(application, services, variables, jobs, workflows, hostnames, sharedVolumes,
                environmentTemplate, expiresAfter, runtime, imports, datasets);
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
            envs = mapOrNone(envs);
            command = listOrNone(command);
            args = listOrNone(args);
            ports = listOrNone(ports);
            volumes = listOrNone(volumes);
            dependsOn = listOrNone(dependsOn);
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
            args = mapOrNone(args);
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
            command = listOrNone(command);
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

    /**
     * A dataset of the installation ({@code name}) whose copy the database service {@code service} serves: the copy
     * is mounted at its data directory, and every service gets the connection variables.
     */
    public record DatasetSpec(String name, String service) {
    }

    /** A job: runs to completion from a service's image ({@code fromService}) or its own {@code image}. */
    public record JobSpec(String name, String fromService, String image, List<String> command, List<String> args,
            Map<String, String> envs, int completedTimeoutSeconds, boolean haltOnError) {

        public JobSpec {
            command = listOrNone(command);
            args = listOrNone(args);
            envs = mapOrNone(envs);
        }
    }

    /** A workflow: steps in order; the tasks of a step run in parallel. */
    public record WorkflowSpec(String name, List<StepSpec> steps) {

        public WorkflowSpec {
            steps = listOrNone(steps);
        }
    }

    /** One step: tasks such as services.web, jobs.migrate, release.remove_environment. */
    public record StepSpec(String name, List<String> tasks, boolean haltOnError, boolean waitForFinish) {

        public StepSpec {
            tasks = listOrNone(tasks);
        }
    }
}

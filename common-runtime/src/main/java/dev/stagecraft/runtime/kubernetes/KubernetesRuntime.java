package dev.stagecraft.runtime.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import org.jboss.logging.Logger;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.JobSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.VolumeSpec;
import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.runtime.EnvironmentRuntime;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.RuntimeSpans;
import dev.stagecraft.runtime.datasets.ConnectionVariables;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.DatasetCheckouts;
import dev.stagecraft.runtime.datasets.DatasetPools;
import dev.stagecraft.runtime.workflow.TaskPlan;
import dev.stagecraft.runtime.workflow.WorkflowExecutor;
import dev.stagecraft.runtime.workflow.WorkflowExecutor.TaskOutcome;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;

/**
 * Environments as Kubernetes objects: one namespace per environment holding a Secret with its variables, per
 * service a Deployment and a Service (and an Ingress per hostname), claims for persistent and shared volumes, and a
 * Job per job task; and copies of the Stagecraft namespace's registry pull Secret (named in every pod's
 * {@code imagePullSecrets}) and wildcard certificate. Setup and patch run the template's workflow through
 * {@link WorkflowExecutor}; a service task converges its objects (create when absent, replace only when its config
 * hash changed) and waits, by watching, until its Deployment is ready or its pods say why it will not be. Objects
 * Stagecraft did not create (no managed-by label) are never changed or deleted. A pause scales the Deployments to 0
 * and a resume gives them their replicas back. A spec's datasets are checked out of {@link KubernetesDatasets} before
 * the services deploy (a ready copy's volume bound to a claim in the namespace, mounted by the database service), and
 * their volumes go with the teardown. Setup, patch, pause, resume and teardown are spans in the trace of the
 * stage run that asks for them, each task of the workflow one inside.
 */
public final class KubernetesRuntime implements EnvironmentRuntime {

    private static final Logger LOG = Logger.getLogger(KubernetesRuntime.class);

    private final KubernetesClient client;
    private final Duration readinessTimeout;
    private final String ingressClass;
    private final IngressTls tls;
    private final String pullSecret;
    private final String storageClass;
    private final UnaryOperator<String> opener;
    private final Readiness readiness;
    private final NamespacePolicy policy;
    /** The installation's datasets on this cluster (maybe none configured); null: the runtime keeps none. */
    private final KubernetesDatasets datasets;

    /**
     * @param pullSecret the Secret of the Stagecraft namespace with the registry credentials the nodes pull images
     *                   with ({@code STAGECRAFT_REGISTRY_PULL_SECRET}), copied into each environment namespace; null or
     *                   blank when the nodes have credentials of their own
     */
    public KubernetesRuntime(KubernetesClient client, Duration readinessTimeout, String ingressClass, IngressTls tls,
            String pullSecret, String storageClass, UnaryOperator<String> opener, NamespacePolicy policy) {
        this(client, readinessTimeout, ingressClass, tls, pullSecret, storageClass, opener, policy, null);
    }

    /** @param datasets the installation's datasets, which a spec's {@code datasets} check copies out of; or null */
    public KubernetesRuntime(KubernetesClient client, Duration readinessTimeout, String ingressClass, IngressTls tls,
            String pullSecret, String storageClass, UnaryOperator<String> opener, NamespacePolicy policy,
            KubernetesDatasets datasets) {
        this.datasets = datasets;
        this.client = client;
        this.policy = policy;
        this.readinessTimeout = readinessTimeout;
        this.ingressClass = blankToNull(ingressClass);
        this.tls = tls == null ? IngressTls.NONE : tls;
        this.pullSecret = blankToNull(pullSecret);
        this.storageClass = blankToNull(storageClass);
        this.opener = opener;
        this.readiness = new Readiness(client);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public DeployResult setup(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener) {
        return RuntimeSpans.inSpan("kubernetes setup", environmentId,
                () -> deploy("setup", environmentId, spec, images, listener));
    }

    @Override
    public DeployResult patch(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener) {
        return RuntimeSpans.inSpan("kubernetes patch", environmentId,
                () -> deploy("patch", environmentId, spec, images, listener));
    }

    /**
     * Scales every Deployment of the environment to 0, keeping the replicas it had in {@value
     * KubernetesObjects#PAUSED_REPLICAS}, and waits until its pods are gone; Services, Ingresses, Secrets and claims
     * stay as they are.
     */
    @Override
    public DeployResult pause(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
        return RuntimeSpans.inSpan("kubernetes pause", environmentId, () -> {
            String namespace = KubernetesObjects.namespaceOf(environmentId);
            String refusal = pausable(environmentId, "paused");
            if (refusal != null) {
                return DeployResult.failed("namespace", refusal);
            }
            WorkflowExecutor.Result result = TaskPlan.pause(spec).run(new TaskPlan.Handlers() {
                @Override
                public TaskOutcome stop(ServiceSpec service) throws InterruptedException {
                    listener.checkCancelled();
                    return scaleDown(namespace, service.name(), listener);
                }
            }, listener);
            if (!result.succeeded()) {
                return DeployResult.failed(result.failedTask(), result.reason());
            }
            // a Deployment of a service the spec does not name (an older spec) is paused all the same
            for (Deployment d : client.apps().deployments().inNamespace(namespace)
                    .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).list().getItems()) {
                String name = d.getMetadata().getName();
                if (spec.services().stream().noneMatch(s -> s.name().equals(name))) {
                    TaskOutcome stopped;
                    try {
                        stopped = scaleDown(namespace, name, listener);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        stopped = TaskOutcome.failed("cancelled");
                    }
                    if (!stopped.succeeded()) {
                        return DeployResult.failed("services." + name, stopped.reason());
                    }
                }
            }
            return DeployResult.ok(Map.of(), List.of());
        });
    }

    /**
     * Gives every Deployment of a paused environment back the replicas it had (or the spec's, when it kept none)
     * in the setup workflow's order, waits by watching until each is ready, and returns the endpoints a setup does.
     * The pod template is not touched, so the pods run the same ReplicaSet: same image, same configuration.
     */
    @Override
    public DeployResult resume(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
        return RuntimeSpans.inSpan("kubernetes resume", environmentId, () -> {
            String namespace = KubernetesObjects.namespaceOf(environmentId);
            String refusal = pausable(environmentId, "resumed");
            if (refusal != null) {
                return DeployResult.failed("namespace", refusal);
            }
            List<String> started = Collections.synchronizedList(new ArrayList<>());
            WorkflowExecutor.Result result = TaskPlan.resume(spec).run(new TaskPlan.Handlers() {
                @Override
                public TaskOutcome start(ServiceSpec service) throws InterruptedException {
                    listener.checkCancelled();
                    return scaleUp(environmentId, service, started, listener);
                }
            }, listener);
            if (!result.succeeded()) {
                return DeployResult.failed(result.failedTask(), result.reason());
            }
            return DeployResult.ok(endpoints(namespace, spec), List.copyOf(started));
        });
    }

    /** Null when the environment's namespace exists and is Stagecraft's; otherwise why it cannot be {@code done}. */
    private String pausable(String environmentId, String done) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        Namespace ns = client.namespaces().withName(namespace).get();
        if (ns == null) {
            return "namespace " + namespace + " does not exist, so the environment cannot be " + done + "; a setup"
                    + " (POST /api/environments/" + environmentId + "/setup) creates it";
        }
        if (!managed(ns) || !environmentId.equals(ns.getMetadata().getLabels().get(Labels.ENVIRONMENT))) {
            return "namespace " + namespace + " exists and was not created by Stagecraft for " + environmentId
                    + "; it is left alone";
        }
        return null;
    }

    private TaskOutcome scaleDown(String namespace, String name, RuntimeListener listener)
            throws InterruptedException {
        Edited edited = editDeployment(namespace, name, d -> {
            int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            if (replicas == 0 && pausedReplicas(d) != null) {
                return false; // paused already: the replicas it kept are the ones to give back
            }
            d.getMetadata().getAnnotations().put(KubernetesObjects.PAUSED_REPLICAS, Integer.toString(replicas));
            d.getSpec().setReplicas(0);
            return true;
        });
        String task = "services." + name;
        switch (edited) {
            case MISSING -> {
                listener.log(task, "no deployment: nothing to stop");
                return TaskOutcome.ok();
            }
            case REFUSED -> {
                return TaskOutcome.failed("deployment " + name + " exists in " + namespace + " and was not created by"
                        + " Stagecraft; it is left alone");
            }
            case UNCHANGED -> listener.log(task, "already paused");
            case CHANGED -> listener.log(task, "scaled deployment " + name + " to 0 replicas");
        }
        Readiness.Outcome outcome = readiness.awaitScaledDown(namespace, name, readinessTimeout, listener);
        return outcome.ready() ? TaskOutcome.ok() : TaskOutcome.failed(outcome.reason());
    }

    private TaskOutcome scaleUp(String environmentId, ServiceSpec service, List<String> started,
            RuntimeListener listener) throws InterruptedException {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        int[] replicas = new int[1];
        Edited edited = editDeployment(namespace, service.name(), d -> {
            Integer kept = pausedReplicas(d);
            int now = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            if (kept == null && now > 0) {
                return false; // not paused: only its readiness is checked
            }
            replicas[0] = kept != null ? kept : service.replicas();
            d.getMetadata().getAnnotations().remove(KubernetesObjects.PAUSED_REPLICAS);
            d.getSpec().setReplicas(replicas[0]);
            return true;
        });
        String task = "services." + service.name();
        switch (edited) {
            case MISSING -> {
                return TaskOutcome.failed("deployment " + service.name() + " is gone from " + namespace + ", so service '"
                        + service.name() + "' cannot be resumed; a setup (POST /api/environments/" + environmentId
                        + "/setup) creates it again");
            }
            case REFUSED -> {
                return TaskOutcome.failed("deployment " + service.name() + " exists in " + namespace + " and was not"
                        + " created by Stagecraft; it is left alone");
            }
            case UNCHANGED -> listener.log(task, "not paused: checking that it is ready");
            case CHANGED -> {
                started.add(service.name());
                listener.log(task, "scaled deployment " + service.name() + " back to " + replicas[0] + " replicas");
            }
        }
        Readiness.Outcome outcome = readiness.awaitDeployment(namespace, service.name(), readinessTimeout, listener);
        return outcome.ready() ? TaskOutcome.ok() : TaskOutcome.failed(outcome.reason());
    }

    /** The replicas a paused Deployment kept, or null when it is not paused (or the annotation is not a number). */
    private static Integer pausedReplicas(Deployment d) {
        String kept = d.getMetadata().getAnnotations() == null ? null
                : d.getMetadata().getAnnotations().get(KubernetesObjects.PAUSED_REPLICAS);
        try {
            return kept == null ? null : Integer.valueOf(kept.strip());
        } catch (NumberFormatException e) {
            LOG.warnf("deployment %s: %s is not a number (%s)", d.getMetadata().getName(),
                    KubernetesObjects.PAUSED_REPLICAS, kept);
            return null;
        }
    }

    private enum Edited {
        CHANGED, UNCHANGED, MISSING, REFUSED
    }

    /**
     * Reads the Deployment, lets {@code change} change it (false: nothing to change) and replaces it, only its
     * replicas and annotations being different, so its pod template and ReplicaSet stay; read again and retried on
     * 409 Conflict like a converge.
     */
    private Edited editDeployment(String namespace, String name, java.util.function.Predicate<Deployment> change) {
        for (int attempt = 1; ; attempt++) {
            Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
            if (d == null) {
                return Edited.MISSING;
            }
            if (!managed(d)) {
                return Edited.REFUSED;
            }
            d.getMetadata().setAnnotations(new LinkedHashMap<>(d.getMetadata().getAnnotations() == null ? Map.of()
                    : d.getMetadata().getAnnotations()));
            if (!change.test(d)) {
                return Edited.UNCHANGED;
            }
            try {
                client.apps().deployments().inNamespace(namespace).resource(d).update();
                return Edited.CHANGED;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
                LOG.debugf("deployment %s changed while it was being scaled; reading it again", name);
            }
        }
    }

    private DeployResult deploy(String workflowName, String environmentId, EnvironmentSpec spec,
            Map<String, String> images, RuntimeListener listener) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        String unfit = policy.check(spec);
        if (unfit != null) {
            return DeployResult.failed("namespace", "the template does not fit the environment's limits: " + unfit);
        }
        String taken = hostsTakenElsewhere(namespace, spec);
        if (taken != null) {
            return DeployResult.failed("namespace", taken);
        }
        // the Secrets copied from the Stagecraft namespace are read before anything is made: one missing refuses all
        List<Secret> copied = new ArrayList<>();
        if (pullSecret != null) {
            String missing = readOwnSecret(pullSecret, "the registry pull Secret", "STAGECRAFT_REGISTRY_PULL_SECRET",
                    "the nodes could not pull the environment's images; create it (kubectl create secret"
                            + " docker-registry), or set STAGECRAFT_REGISTRY_PULL_SECRET empty when the nodes have"
                            + " registry credentials of their own", copied);
            if (missing != null) {
                return DeployResult.failed("namespace", missing);
            }
        }
        if (tls.wildcardSecret() != null && !spec.hostnames().isEmpty()) {
            String missing = readOwnSecret(tls.wildcardSecret(), "the TLS certificate Secret",
                    "STAGECRAFT_INGRESS_TLS_SECRET", "the Ingresses would serve the controller's default certificate",
                    copied);
            if (missing != null) {
                return DeployResult.failed("namespace", missing);
            }
        }
        String refusal = ensureNamespace(environmentId, spec);
        if (refusal != null) {
            return DeployResult.failed("namespace", refusal);
        }
        // the namespace's fences come before anything that runs in it
        converge(KubernetesObjects.isolation(environmentId, policy));
        converge(KubernetesObjects.quota(environmentId, policy));
        converge(KubernetesObjects.limits(environmentId, policy));
        for (Secret source : copied) {
            Secret copy = KubernetesObjects.copyOf(environmentId, source);
            if (converge(copy) == Converged.REFUSED) {
                return DeployResult.failed("namespace", refusedMessage(copy));
            }
        }
        Map<String, KubernetesDatasets.Checkout> copies = new LinkedHashMap<>();
        DeployResult refused = checkOutDatasets(environmentId, spec, copies, listener);
        if (refused != null) {
            return refused;
        }
        Map<String, ConnectionVariables.Copy> served = new LinkedHashMap<>();
        copies.forEach((service, copy) -> served.put(service, new ConnectionVariables.Copy(copy.dataset(),
                copy.engine(), copy.database(), copy.user(), copy.password())));
        Secret variables = KubernetesObjects.variables(environmentId, spec, opener,
                ConnectionVariables.of(spec, served));
        converge(variables);
        converge(KubernetesObjects.spec(environmentId, EventJson.write(spec)));
        for (EnvironmentSpec.SharedVolumeSpec shared : spec.sharedVolumes()) {
            converge(KubernetesObjects.sharedClaim(environmentId, shared.name(), shared.size(),
                    shared.storageClass() != null ? shared.storageClass() : storageClass));
        }
        String variablesHash = variables.getMetadata().getAnnotations().get(KubernetesObjects.CONFIG_HASH);
        List<String> started = Collections.synchronizedList(new ArrayList<>());
        TaskPlan plan = workflowName.equals("setup") ? TaskPlan.setup(spec) : TaskPlan.patch(spec);
        WorkflowExecutor.Result result = plan.run(new TaskPlan.Handlers() {
            @Override
            public TaskOutcome deploy(ServiceSpec service) throws Exception {
                listener.checkCancelled();
                return runService(environmentId, spec, service, images, variablesHash, copies.get(service.name()),
                        started, listener);
            }

            @Override
            public TaskOutcome run(JobSpec job) throws Exception {
                listener.checkCancelled();
                return runJob(environmentId, spec, job, images, listener);
            }
        }, listener);
        if (!result.succeeded()) {
            return DeployResult.failed(result.failedTask(), result.reason());
        }
        if (plan.removesDroppedServices()) {
            removeServicesNoLongerInTheSpec(environmentId, spec, listener);
        }
        return DeployResult.ok(endpoints(namespace, spec), List.copyOf(started));
    }

    /** Setup converges to the spec: a service dropped from the template loses its Deployment, Service, Ingress. */
    private void removeServicesNoLongerInTheSpec(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        Set<String> wanted = new TreeSet<>(spec.services().stream().map(ServiceSpec::name).toList());
        for (Kind kind : List.of(Kind.INGRESS, Kind.SERVICE, Kind.DEPLOYMENT, Kind.SECRET)) {
            for (HasMetadata o : kind.list(client, namespace, KubernetesObjects.labels(environmentId))) {
                String service = o.getMetadata().getLabels().get(Labels.SERVICE);
                String owner = o.getMetadata().getLabels().getOrDefault(KubernetesObjects.OWNER, "");
                if (owner.startsWith("service-")) { // the Secret of a service's own values
                    service = owner.substring("service-".length());
                }
                if (service != null && !wanted.contains(service)) {
                    kind.delete(client, namespace, o.getMetadata().getName());
                    listener.log("services." + service, "removed " + kind.label + " " + o.getMetadata().getName()
                            + ": the service is no longer in the template");
                }
            }
        }
    }

    /**
     * Checks a copy of each dataset of the spec out to the environment, each a task {@code datasets.<name>} before
     * the services deploy, into {@code copies} (by the service serving it); the failed setup, or null.
     */
    private DeployResult checkOutDatasets(String environmentId, EnvironmentSpec spec,
            Map<String, KubernetesDatasets.Checkout> copies, RuntimeListener listener) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        return DatasetCheckouts.checkOut(environmentId, spec, "kubernetes dataset checkout", dataset -> {
            if (datasets == null || datasets.datasets().isEmpty()) {
                throw new IllegalArgumentException("no dataset '" + dataset.name() + "' on this installation:"
                        + " the Kubernetes runtime has no datasets configured (stagecraft.datasets.<name>.dump or"
                        + " .seed.image)");
            }
            return datasets.checkout(environmentId, namespace, datasets.datasetFor(dataset.name(),
                    spec.application()));
        }, copy -> " as claim " + copy.claim(), copies, listener);
    }

    private TaskOutcome runService(String environmentId, EnvironmentSpec spec, ServiceSpec service,
            Map<String, String> images, String variablesHash, KubernetesDatasets.Checkout copy, List<String> started,
            RuntimeListener listener) throws InterruptedException {
        String image = images.getOrDefault(service.name(), service.image());
        if (image == null) {
            return TaskOutcome.failed("service '" + service.name() + "' has no image: it was not built");
        }
        for (VolumeSpec v : service.volumes()) {
            if ("persistent".equalsIgnoreCase(v.type()) && v.claim() == null) {
                converge(KubernetesObjects.claim(environmentId, KubernetesObjects.claimName(service.name(), v),
                        v.size(), storageClass));
            }
        }
        Secret own = KubernetesObjects.ownSecret(environmentId, KubernetesObjects.serviceOwner(service.name()),
                service.envs(), opener);
        if (own != null && converge(own) == Converged.REFUSED) {
            return TaskOutcome.failed(refusedMessage(own));
        }
        Map<String, String> envs = service.envs();
        if (copy != null) {
            envs = new LinkedHashMap<>(envs);
            envs.putAll(KubernetesObjects.servingVariables(copy));
        }
        Deployment deployment = KubernetesObjects.deployment(environmentId, service, image, envs, opener,
                variablesHash, pullSecret);
        if (copy != null) {
            KubernetesObjects.serveDataset(deployment, copy, service.runAsRoot());
        }
        Converged applied = converge(deployment);
        if (applied == Converged.REFUSED) {
            return TaskOutcome.failed(refusedMessage(deployment));
        }
        if (applied != Converged.UNCHANGED) {
            started.add(service.name());
        }
        if (!KubernetesObjects.portsOf(service).isEmpty()) {
            if (converge(KubernetesObjects.service(environmentId, service)) == Converged.REFUSED) {
                return TaskOutcome.failed(refusedMessage(KubernetesObjects.service(environmentId, service)));
            }
            String host = spec.hostnames().get(service.name());
            if (host != null) {
                int port = KubernetesObjects.servicePort(service, KubernetesObjects.portsOf(service).get(0));
                converge(KubernetesObjects.ingress(environmentId, service.name(), host, port, ingressClass, tls));
            }
        }
        listener.log("services." + service.name(), applied == Converged.UNCHANGED ? "unchanged, not restarted"
                : applied.name().toLowerCase() + " deployment " + service.name() + " (" + image + ")");
        Readiness.Outcome outcome = readiness.awaitDeployment(KubernetesObjects.namespaceOf(environmentId),
                service.name(), readinessTimeout, listener);
        return outcome.ready() ? TaskOutcome.ok() : TaskOutcome.failed(outcome.reason());
    }

    private TaskOutcome runJob(String environmentId, EnvironmentSpec spec, JobSpec job, Map<String, String> images,
            RuntimeListener listener) throws InterruptedException {
        String image = job.image();
        if (image == null && job.fromService() != null) {
            ServiceSpec from = spec.services().stream().filter(s -> s.name().equals(job.fromService())).findFirst()
                    .orElse(null);
            image = images.getOrDefault(job.fromService(), from == null ? null : from.image());
        }
        if (image == null) {
            return TaskOutcome.failed("job '" + job.name() + "' has no image (from_service '" + job.fromService()
                    + "' was not built)");
        }
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        // an earlier run of the same job is replaced (a Job's pod template cannot change), its pods with it
        Map<String, String> earlier = Map.of(KubernetesObjects.JOB, job.name(), Labels.MANAGED_BY,
                Labels.MANAGED_BY_VALUE);
        client.batch().v1().jobs().inNamespace(namespace).withLabels(earlier).delete();
        client.pods().inNamespace(namespace).withLabels(earlier).delete();
        String name = (job.name() + "-" + Long.toString(System.currentTimeMillis(), 36)).replaceAll("[^a-z0-9-]", "-");
        name = name.length() > 63 ? name.substring(name.length() - 63).replaceAll("^-+", "") : name;
        Map<String, String> envs = new LinkedHashMap<>(job.envs());
        Secret own = KubernetesObjects.ownSecret(environmentId, KubernetesObjects.jobOwner(job.name()), envs, opener);
        if (own != null && converge(own) == Converged.REFUSED) {
            return TaskOutcome.failed(refusedMessage(own));
        }
        Job created = client.batch().v1().jobs().inNamespace(namespace)
                .resource(KubernetesObjects.job(environmentId, name, job, image, envs, opener, spec.services().stream()
                        .anyMatch(s -> s.name().equals(job.fromService()) && s.runAsRoot()), pullSecret)).create();
        long timeout = job.completedTimeoutSeconds() > 0 ? job.completedTimeoutSeconds() + 30L
                : readinessTimeout.toSeconds();
        Readiness.Outcome outcome = readiness.awaitJob(namespace, created.getMetadata().getName(),
                Duration.ofSeconds(timeout), listener, "jobs." + job.name());
        return outcome.ready() ? TaskOutcome.ok() : TaskOutcome.failed(outcome.reason());
    }

    @Override
    public TeardownResult teardown(String environmentId, EnvironmentSpec given, List<String> images,
            RuntimeListener listener) {
        return RuntimeSpans.inSpan("kubernetes teardown", environmentId,
                () -> runTeardown(environmentId, given, images, listener));
    }

    private TeardownResult runTeardown(String environmentId, EnvironmentSpec given, List<String> images,
            RuntimeListener listener) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        Namespace ns = client.namespaces().withName(namespace).get();
        if (ns == null) {
            listener.taskStarted(WorkflowExecutor.REMOVE_ENVIRONMENT);
            List<String> left = List.of();
            if (datasets != null) { // a teardown that stopped between the namespace and the copies' volumes
                datasets.release(environmentId);
                left = datasets.destroy(environmentId, readinessTimeout);
            }
            listener.taskFinished(WorkflowExecutor.REMOVE_ENVIRONMENT, left.isEmpty(), left.isEmpty() ? null
                    : "still present: " + left);
            return new TeardownResult(List.of(), List.of(), left);
        }
        if (!managed(ns)) {
            return new TeardownResult(List.of(), List.of("namespace " + namespace + " (not created by Stagecraft)"),
                    List.of());
        }
        if (environmentId.equals(ns.getMetadata().getLabels().get(Labels.ENVIRONMENT))) {
            bindRuntime(environmentId); // a namespace made before the runtime bound itself per namespace
        }
        // the spec as last deployed knows the teardown jobs best; the command's spec is the fallback
        Optional<EnvironmentSpec> spec = deployedSpec(namespace).or(() -> Optional.ofNullable(given));
        TeardownResult[] removal = new TeardownResult[1];
        WorkflowExecutor.Result result = TaskPlan.teardown(spec.orElse(null)).run(new TaskPlan.Handlers() {
            @Override
            public TaskOutcome run(JobSpec job) throws Exception {
                // a teardown job from_service runs the image that service runs now
                return runJob(environmentId, spec.get(), job, deployedImages(namespace), listener);
            }

            @Override
            public TaskOutcome removeEnvironment() {
                removal[0] = removeEverything(environmentId, listener);
                return removal[0].clean() ? TaskOutcome.ok()
                        : TaskOutcome.failed("still present: " + removal[0].leftovers());
            }
        }, listener);
        if (removal[0] == null) {
            // a teardown job halted the workflow before the removal: the environment goes anyway
            listener.log(result.failedTask(), "failed during teardown: " + result.reason());
            removal[0] = removeEverything(environmentId, listener);
        }
        return removal[0];
    }

    private Map<String, String> deployedImages(String namespace) {
        Map<String, String> images = new LinkedHashMap<>();
        for (Deployment d : client.apps().deployments().inNamespace(namespace)
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).list().getItems()) {
            images.put(d.getMetadata().getName(), d.getSpec().getTemplate().getSpec().getContainers().get(0)
                    .getImage());
        }
        return images;
    }

    private Optional<EnvironmentSpec> deployedSpec(String namespace) {
        Secret secret = client.secrets().inNamespace(namespace).withName(KubernetesObjects.SPEC_SECRET).get();
        if (secret == null || !managed(secret)) {
            return Optional.empty();
        }
        String json = secret.getStringData() != null && secret.getStringData().get("spec.json") != null
                ? secret.getStringData().get("spec.json")
                : secret.getData() == null || secret.getData().get("spec.json") == null ? null
                        : new String(java.util.Base64.getDecoder().decode(secret.getData().get("spec.json")),
                                java.nio.charset.StandardCharsets.UTF_8);
        try {
            return json == null ? Optional.empty() : Optional.of(EventJson.read(json, EnvironmentSpec.class));
        } catch (RuntimeException e) {
            LOG.warnf("the deployed spec in %s cannot be read (%s); tearing down without its teardown jobs",
                    namespace, e.getMessage());
            return Optional.empty();
        }
    }

    /** Deletes every object labelled with the environment, then the namespace if nothing foreign is in it. */
    private TeardownResult removeEverything(String environmentId, RuntimeListener listener) {
        if (datasets == null) {
            return removeNamespaced(environmentId, listener);
        }
        // the dataset copies' volumes are cluster-wide: labelled with the environment, they go with its claims
        List<String> copies = datasets.volumesOf(environmentId).stream().map(v -> v.getMetadata().getName()).toList();
        TeardownResult removal = removeNamespaced(environmentId, listener);
        List<String> left = datasets.destroy(environmentId, readinessTimeout);
        List<String> removed = new ArrayList<>(removal.removed());
        copies.stream().filter(v -> !left.contains("persistentvolume " + v)).forEach(v -> {
            removed.add("persistentvolume " + v);
            listener.log(WorkflowExecutor.REMOVE_ENVIRONMENT, "removed persistentvolume " + v + " (dataset copy)");
        });
        List<String> leftovers = new ArrayList<>(removal.leftovers());
        leftovers.addAll(left);
        return new TeardownResult(removed, removal.kept(), leftovers);
    }

    private TeardownResult removeNamespaced(String environmentId, RuntimeListener listener) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        if (datasets != null) {
            // before the claims go: the cluster then deletes each copy's volume with its claim
            datasets.release(environmentId);
        }
        Map<String, String> labels = KubernetesObjects.labels(environmentId);
        List<String> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (Kind kind : Kind.MADE) {
            for (HasMetadata o : kind.list(client, namespace, labels)) {
                kind.delete(client, namespace, o.getMetadata().getName());
                removed.add(kind.label + " " + o.getMetadata().getName());
            }
        }
        List<String> foreign = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (HasMetadata o : kind.listAll(client, namespace)) {
                if (!managed(o) && !KubernetesObjects.putThereByTheControlPlane(kind, o)) {
                    foreign.add(kind.label + " " + o.getMetadata().getName());
                }
            }
        }
        Namespace ns = client.namespaces().withName(namespace).get();
        if (ns != null && managed(ns)) {
            if (foreign.isEmpty()) {
                client.namespaces().withName(namespace).delete();
                removed.add("namespace " + namespace);
            } else {
                kept.add("namespace " + namespace + " (it holds objects Stagecraft did not create: " + foreign + ")");
            }
        }
        List<String> leftovers = new ArrayList<>();
        for (Kind kind : Kind.MADE) {
            for (HasMetadata o : kind.list(client, namespace, labels)) {
                if (!awaitGone(kind, namespace, o.getMetadata().getName())) {
                    leftovers.add(kind.label + " " + o.getMetadata().getName());
                }
            }
        }
        if (foreign.isEmpty() && ns != null && managed(ns)
                && !awaitAbsent(client.namespaces().withName(namespace), readinessTimeout)) {
            leftovers.add("namespace " + namespace + " (still Terminating after " + readinessTimeout.toSeconds()
                    + " s)");
        }
        removed.forEach(r -> listener.log(WorkflowExecutor.REMOVE_ENVIRONMENT, "removed " + r));
        return new TeardownResult(removed, kept, leftovers);
    }

    private boolean awaitGone(Kind kind, String namespace, String name) {
        return awaitAbsent(kind.resource(client, namespace, name), readinessTimeout);
    }

    /**
     * Waits until the object is gone, reading it every {@value #GONE_POLL_MS} ms: a read cannot miss a deletion that
     * happened between the list and the watch of an informer.
     */
    private static boolean awaitAbsent(Resource<? extends HasMetadata> resource, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (resource.get() == null) {
                    return true;
                }
            } catch (KubernetesClientException e) {
                LOG.debugf("reading an object being deleted: %s", e.getMessage());
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(GONE_POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static final long GONE_POLL_MS = 250;

    @Override
    public Set<String> environmentsWithResources() {
        Set<String> ids = new TreeSet<>();
        for (Namespace ns : client.namespaces().withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).list()
                .getItems()) {
            String id = ns.getMetadata().getLabels().get(Labels.ENVIRONMENT);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Reads Secret {@code name} of the Stagecraft namespace (the runtime's own) into {@code into}; a refusal naming
     * the Secret, the {@code setting} that names it and the {@code consequence} when it is missing or may not be read.
     */
    private String readOwnSecret(String name, String what, String setting, String consequence, List<Secret> into) {
        String own = policy.serviceAccount().split("/", 2)[0];
        Secret secret;
        try {
            secret = client.secrets().inNamespace(own).withName(name).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw e;
            }
            return "the runtime may not read " + what + " " + own + "/" + name + " (" + setting + "): the Role"
                    + " stagecraft-runtime-secrets of deploy/kubernetes/10-rbac.yaml names the Secrets it may read";
        }
        if (secret == null) {
            return what + " " + own + "/" + name + " (" + setting + ") does not exist: " + consequence;
        }
        into.add(secret);
        return null;
    }

    /** Creates the namespace, or checks that the existing one is Stagecraft's; a refusal message otherwise. */
    private String ensureNamespace(String environmentId, EnvironmentSpec spec) {
        Namespace wanted = KubernetesObjects.namespace(environmentId, spec.application(), spec);
        Namespace existing = client.namespaces().withName(wanted.getMetadata().getName()).get();
        if (existing != null && existing.getMetadata().getDeletionTimestamp() != null) {
            // an earlier teardown's namespace, still being emptied: nothing can be created in it until it is gone
            if (!awaitAbsent(client.namespaces().withName(wanted.getMetadata().getName()), readinessTimeout)) {
                return "namespace " + wanted.getMetadata().getName() + " is still Terminating after "
                        + readinessTimeout.toSeconds() + " s (an earlier teardown is finishing); deploy again once it"
                        + " is gone";
            }
            existing = null;
        }
        if (existing == null) {
            client.namespaces().resource(wanted).create();
            bindRuntime(environmentId);
            return null;
        }
        if (!managed(existing) || !environmentId.equals(existing.getMetadata().getLabels().get(Labels.ENVIRONMENT))) {
            return "namespace " + wanted.getMetadata().getName() + " exists and was not created by Stagecraft for "
                    + environmentId + "; it is left alone";
        }
        bindRuntime(environmentId);
        Map<String, String> security = KubernetesObjects.podSecurityLabels(spec);
        if (!existing.getMetadata().getLabels().entrySet().containsAll(security.entrySet())) {
            // the Pod Security level follows the spec (a service that gained or lost run_as_root)
            client.namespaces().withName(wanted.getMetadata().getName()).edit(n -> {
                n.getMetadata().getLabels().putAll(security);
                return n;
            });
        }
        return null;
    }

    /**
     * The runtime's rights inside the namespace come from a RoleBinding it makes there (the cluster-wide role grants
     * only namespaces and this binding); made once, kept for the namespace's life.
     */
    private void bindRuntime(String environmentId) {
        String namespace = KubernetesObjects.namespaceOf(environmentId);
        if (client.rbac().roleBindings().inNamespace(namespace).withName(KubernetesObjects.RUNTIME_BINDING)
                .get() == null) {
            client.rbac().roleBindings().inNamespace(namespace)
                    .resource(KubernetesObjects.runtimeBinding(environmentId, policy.serviceAccount())).create();
        }
    }

    /**
     * A template host name another environment's Ingress already serves: one environment must not take over
     * another's traffic. Null when every host is free.
     */
    private String hostsTakenElsewhere(String namespace, EnvironmentSpec spec) {
        if (spec.hostnames().isEmpty()) {
            return null;
        }
        for (Ingress ingress : client.network().v1().ingresses().inAnyNamespace()
                .withLabel(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE).list().getItems()) {
            if (namespace.equals(ingress.getMetadata().getNamespace()) || ingress.getSpec() == null) {
                continue;
            }
            for (var rule : ingress.getSpec().getRules()) {
                for (var e : spec.hostnames().entrySet()) {
                    if (e.getValue() != null && e.getValue().equalsIgnoreCase(rule.getHost())) {
                        return "host name '" + e.getValue() + "' of service '" + e.getKey() + "' is already served by"
                                + " environment " + ingress.getMetadata().getLabels().get(Labels.ENVIRONMENT)
                                + "; each host name belongs to one environment";
                    }
                }
            }
        }
        return null;
    }

    enum Converged {
        CREATED, REPLACED, UNCHANGED, REFUSED
    }

    /**
     * Create when absent; replace when its config hash differs; leave alone when equal or not Stagecraft's. A
     * replace keeps what other controllers added to the object's metadata (annotations, labels, finalizers), and
     * starts again from a fresh read when another writer changed the object in between (409 Conflict).
     */
    private Converged converge(HasMetadata wanted) {
        for (int attempt = 1; ; attempt++) {
            try {
                return convergeOnce(wanted);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
                LOG.debugf("%s %s changed while it was being replaced; reading it again", wanted.getKind(),
                        wanted.getMetadata().getName());
            }
        }
    }

    private static final int CONFLICT_ATTEMPTS = 5;

    private Converged convergeOnce(HasMetadata wanted) {
        var resource = client.resource(wanted).inNamespace(wanted.getMetadata().getNamespace());
        HasMetadata existing = resource.get();
        if (existing == null) {
            resource.create();
            return Converged.CREATED;
        }
        if (!managed(existing)) {
            return Converged.REFUSED;
        }
        String want = hash(wanted);
        // a paused Deployment is replaced, which gives it the spec's replicas: a setup or patch resumes it
        boolean paused = existing.getMetadata().getAnnotations() != null
                && existing.getMetadata().getAnnotations().containsKey(KubernetesObjects.PAUSED_REPLICAS);
        if (want != null && want.equals(hash(existing)) && !paused) {
            return Converged.UNCHANGED;
        }
        if (want == null) {
            return Converged.UNCHANGED; // claims are created once and kept (their size and class cannot change)
        }
        wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        wanted.getMetadata().setAnnotations(merged(existing.getMetadata().getAnnotations(),
                wanted.getMetadata().getAnnotations()));
        wanted.getMetadata().getAnnotations().remove(KubernetesObjects.PAUSED_REPLICAS);
        wanted.getMetadata().setLabels(merged(existing.getMetadata().getLabels(), wanted.getMetadata().getLabels()));
        wanted.getMetadata().setFinalizers(existing.getMetadata().getFinalizers());
        if (wanted instanceof io.fabric8.kubernetes.api.model.Service service
                && existing instanceof io.fabric8.kubernetes.api.model.Service current) {
            // a Service keeps the cluster IP it was given
            service.getSpec().setClusterIP(current.getSpec().getClusterIP());
            service.getSpec().setClusterIPs(current.getSpec().getClusterIPs());
        }
        client.resource(wanted).inNamespace(wanted.getMetadata().getNamespace()).update();
        return Converged.REPLACED;
    }

    /** {@code theirs} with {@code ours} on top: what other controllers wrote stays, what Stagecraft writes wins. */
    private static Map<String, String> merged(Map<String, String> theirs, Map<String, String> ours) {
        Map<String, String> all = new LinkedHashMap<>(theirs == null ? Map.of() : theirs);
        if (ours != null) {
            all.putAll(ours);
        }
        return all;
    }

    private static String refusedMessage(HasMetadata o) {
        return o.getKind() + " " + o.getMetadata().getName() + " exists in " + o.getMetadata().getNamespace()
                + " and was not created by Stagecraft; it is left alone";
    }

    private static String hash(HasMetadata o) {
        return o.getMetadata().getAnnotations() == null ? null
                : o.getMetadata().getAnnotations().get(KubernetesObjects.CONFIG_HASH);
    }

    static boolean managed(HasMetadata o) {
        return o.getMetadata().getLabels() != null
                && Labels.MANAGED_BY_VALUE.equals(o.getMetadata().getLabels().get(Labels.MANAGED_BY));
    }

    private Map<String, String> endpoints(String namespace, EnvironmentSpec spec) {
        Map<String, String> endpoints = new LinkedHashMap<>();
        for (ServiceSpec service : spec.services()) {
            List<Integer> ports = KubernetesObjects.portsOf(service);
            if (ports.isEmpty()) {
                continue;
            }
            String host = spec.hostnames().get(service.name());
            if (host != null) {
                endpoints.put(service.name(), (tls.enabled() ? "https://" : "http://") + host);
            } else {
                endpoints.put(service.name(), "http://" + service.name() + "." + namespace + ".svc.cluster.local:"
                        + KubernetesObjects.servicePort(service, ports.get(0)));
            }
        }
        return endpoints;
    }

    @Override
    public Optional<DatasetPools> datasetPools() {
        return Optional.<DatasetPools>ofNullable(datasets).filter(d -> !d.datasets().isEmpty());
    }
}

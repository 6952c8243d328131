package dev.stagecraft.runtime.kubernetes;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

/**
 * Plays the kubelet and the controllers against the mock API server, which stores objects but runs nothing: it
 * watches Deployments and Jobs and, as told per service or job, marks them ready or succeeded, leaves them hanging,
 * or makes their pods fail the way a cluster would (CrashLoopBackOff, OOMKilled, an exit code).
 */
public final class FakeKubelet implements AutoCloseable {

    public enum Behaviour {
        READY, CRASH_LOOP, OOM_KILLED, NEVER_READY, SUCCEED, FAIL, DEADLINE
    }

    private final KubernetesClient client;
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<String, Integer> exitCodes = new ConcurrentHashMap<>();
    private final Watch deployments;
    private volatile java.util.function.Consumer<Job> jobCreated = job -> { };
    private final Watch jobs;

    public FakeKubelet(KubernetesClient client) {
        this.client = client;
        this.deployments = client.apps().deployments().inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Deployment d) {
                if (action == Action.ADDED || action == Action.MODIFIED) {
                    onDeployment(d);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        this.jobs = client.batch().v1().jobs().inAnyNamespace().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Job j) {
                if (action == Action.ADDED) {
                    onJob(j);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    /** How the service or job {@code name} behaves from now on (default: ready, succeeded). */
    public FakeKubelet behave(String name, Behaviour behaviour) {
        behaviours.put(name, behaviour);
        return this;
    }

    public FakeKubelet failWith(String job, int exitCode) {
        exitCodes.put(job, exitCode);
        return behave(job, Behaviour.FAIL);
    }

    private void onDeployment(Deployment d) {
        String name = d.getMetadata().getName();
        String ns = d.getMetadata().getNamespace();
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        switch (behaviours.getOrDefault(name, Behaviour.READY)) {
            case READY -> {
                if (d.getStatus() != null && Integer.valueOf(replicas).equals(d.getStatus().getReadyReplicas())) {
                    return;
                }
                d.setStatus(new DeploymentStatusBuilder().withReplicas(replicas).withReadyReplicas(replicas)
                        .withUpdatedReplicas(replicas).withAvailableReplicas(replicas)
                        .withObservedGeneration(d.getMetadata().getGeneration()).build());
                client.apps().deployments().inNamespace(ns).resource(d).updateStatus();
            }
            case CRASH_LOOP -> failingPod(d, new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                    .withMessage("back-off 40s restarting failed container").endWaiting().build(), 4);
            case OOM_KILLED -> failingPod(d, new ContainerStateBuilder().withNewTerminated().withReason("OOMKilled")
                    .withExitCode(137).endTerminated().build(), 1);
            default -> {
                // never ready: nothing happens
            }
        }
    }

    private void failingPod(Deployment d, io.fabric8.kubernetes.api.model.ContainerState state, int restarts) {
        String ns = d.getMetadata().getNamespace();
        String podName = d.getMetadata().getName() + "-7d9f8-x2x4q";
        if (client.pods().inNamespace(ns).withName(podName).get() != null) {
            return;
        }
        Pod pod = new PodBuilder().withNewMetadata().withName(podName).withNamespace(ns)
                .withLabels(d.getSpec().getSelector().getMatchLabels()).endMetadata()
                .withNewSpec().withContainers(d.getSpec().getTemplate().getSpec().getContainers()).endSpec()
                .withNewStatus().withPhase("Running").withContainerStatuses(new ContainerStatusBuilder()
                        .withName(d.getMetadata().getName()).withRestartCount(restarts).withState(state)
                        .withNewLastState().withNewTerminated().withExitCode(1).endTerminated().endLastState()
                        .build()).endStatus().build();
        client.pods().inNamespace(ns).resource(pod).create();
    }

    /** Lets a test see every Job as it is created. */
    public FakeKubelet onJobCreated(java.util.function.Consumer<Job> observer) {
        this.jobCreated = observer;
        return this;
    }

    private void onJob(Job j) {
        jobCreated.accept(j);
        String ns = j.getMetadata().getNamespace();
        String job = j.getMetadata().getLabels().get(dev.stagecraft.runtime.Labels.JOB);
        Behaviour behaviour = behaviours.getOrDefault(job, Behaviour.SUCCEED);
        if (behaviour == Behaviour.NEVER_READY) {
            return;
        }
        int exit = behaviour == Behaviour.FAIL ? exitCodes.getOrDefault(job, 1) : 0;
        Pod pod = new PodBuilder().withNewMetadata().withName(j.getMetadata().getName() + "-abcde").withNamespace(ns)
                .addToLabels("job-name", j.getMetadata().getName())
                .addToLabels(j.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
                .withNewSpec().withContainers(j.getSpec().getTemplate().getSpec().getContainers()).endSpec()
                .withNewStatus().withPhase(exit == 0 ? "Succeeded" : "Failed").withContainerStatuses(
                        new ContainerStatusBuilder().withName(job).withRestartCount(0)
                                .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(exit)
                                        .withReason(exit == 0 ? "Completed" : "Error").endTerminated().build())
                                .build())
                .endStatus().build();
        client.pods().inNamespace(ns).resource(pod).create();
        JobStatusBuilder status = new JobStatusBuilder();
        switch (behaviour) {
            case FAIL -> status.withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
                    .withStatus("True").withReason("BackoffLimitExceeded").withMessage("Job has reached the specified"
                            + " backoff limit").build());
            case DEADLINE -> status.withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
                    .withStatus("True").withReason("DeadlineExceeded").build());
            default -> status.withSucceeded(1);
        }
        j.setStatus(status.build());
        client.batch().v1().jobs().inNamespace(ns).resource(j).updateStatus();
    }

    @Override
    public void close() {
        deployments.close();
        jobs.close();
    }
}

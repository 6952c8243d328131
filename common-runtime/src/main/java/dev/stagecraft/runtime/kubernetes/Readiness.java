package dev.stagecraft.runtime.kubernetes;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.stagecraft.runtime.RuntimeListener;

/**
 * Waits for a Deployment to be ready or a Job to finish by watching them and their pods: every change wakes the
 * wait, which then looks at the object and its pods. It ends as soon as the object is ready, a pod says why it
 * will not be (CrashLoopBackOff, ImagePullBackOff, OOMKilled, an exit code), or the deadline passes.
 */
final class Readiness {

    /**
     * Waiting reasons that mean the pod will not start. ErrImagePull is not among them: the kubelet retries a pull,
     * and only after failed retries says ImagePullBackOff.
     */
    private static final Set<String> FAILING = Set.of("CrashLoopBackOff", "ImagePullBackOff", "InvalidImageName",
            "CreateContainerConfigError", "CreateContainerError");
    /** The label a Deployment's ReplicaSet puts on its pods: which revision of the pod template they run. */
    static final String TEMPLATE_HASH = "pod-template-hash";

    /** Ready (or finished successfully), or why not. */
    record Outcome(boolean ready, String reason) {
    }

    private final KubernetesClient client;

    Readiness(KubernetesClient client) {
        this.client = client;
    }

    Outcome awaitDeployment(String namespace, String name, Duration timeout, RuntimeListener listener)
            throws InterruptedException {
        Signal signal = new Signal();
        Map<String, String> selector = Map.of(dev.stagecraft.runtime.Labels.SERVICE, name,
                dev.stagecraft.runtime.Labels.MANAGED_BY, dev.stagecraft.runtime.Labels.MANAGED_BY_VALUE);
        try (Watch deployments = client.apps().deployments().inNamespace(namespace).withName(name).watch(signal.watcher());
                Watch pods = client.pods().inNamespace(namespace).withLabels(selector).watch(signal.watcher())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long seen = signal.count();
                Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
                if (d == null) {
                    return new Outcome(false, "deployment " + name + " disappeared");
                }
                if (ready(d)) {
                    return new Outcome(true, null);
                }
                // until the controller has seen this generation, the newest ReplicaSet may still be the old one,
                // whose crash-looping pods say nothing of the template just applied
                if (observed(d)) {
                    String stalled = stalled(d);
                    if (stalled != null) {
                        return new Outcome(false, stalled);
                    }
                    String failing = failing(client.pods().inNamespace(namespace).withLabels(selector).list()
                            .getItems(), newestTemplateHash(namespace, d));
                    if (failing != null) {
                        return new Outcome(false, failing);
                    }
                }
                listener.checkCancelled();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return new Outcome(false, "not ready within " + timeout.toSeconds() + " s: "
                            + readyReplicas(d) + " of " + replicas(d) + " replicas ready");
                }
                signal.awaitChangeAfter(seen, Math.min(Duration.ofNanos(left).toMillis() + 1, 1000));
            }
        }
    }

    /**
     * Waits until the Deployment's controller has seen its current generation and no pod of it runs any more (those
     * terminating do not count, as in the Deployment's status); a Deployment that is gone has none either.
     */
    Outcome awaitScaledDown(String namespace, String name, Duration timeout, RuntimeListener listener)
            throws InterruptedException {
        Signal signal = new Signal();
        try (Watch deployments = client.apps().deployments().inNamespace(namespace).withName(name)
                .watch(signal.watcher())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long seen = signal.count();
                Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
                if (d == null || observed(d) && (d.getStatus() == null || d.getStatus().getReplicas() == null
                        || d.getStatus().getReplicas() == 0)) {
                    return new Outcome(true, null);
                }
                listener.checkCancelled();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return new Outcome(false, "deployment " + name + " still has " + (d.getStatus() == null ? "?"
                            : d.getStatus().getReplicas()) + " pods after " + timeout.toSeconds() + " s");
                }
                signal.awaitChangeAfter(seen, Math.min(Duration.ofNanos(left).toMillis() + 1, 1000));
            }
        }
    }

    Outcome awaitJob(String namespace, String name, Duration timeout, RuntimeListener listener, String task)
            throws InterruptedException {
        Signal signal = new Signal();
        Map<String, String> selector = Map.of("job-name", name);
        try (Watch jobs = client.batch().v1().jobs().inNamespace(namespace).withName(name).watch(signal.watcher());
                Watch pods = client.pods().inNamespace(namespace).withLabels(selector).watch(signal.watcher())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long seen = signal.count();
                Job job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
                if (job == null) {
                    return new Outcome(false, "job " + name + " disappeared");
                }
                var status = job.getStatus();
                if (status != null && status.getSucceeded() != null && status.getSucceeded() > 0) {
                    sendLogs(namespace, selector, task, listener);
                    return new Outcome(true, null);
                }
                String failed = jobFailure(job, client.pods().inNamespace(namespace).withLabels(selector).list()
                        .getItems());
                if (failed != null) {
                    sendLogs(namespace, selector, task, listener);
                    return new Outcome(false, failed);
                }
                listener.checkCancelled();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return new Outcome(false, "job " + name + " did not finish within " + timeout.toSeconds() + " s");
                }
                signal.awaitChangeAfter(seen, Math.min(Duration.ofNanos(left).toMillis() + 1, 1000));
            }
        }
    }

    private void sendLogs(String namespace, Map<String, String> selector, String task, RuntimeListener listener) {
        for (Pod pod : client.pods().inNamespace(namespace).withLabels(selector).list().getItems()) {
            try {
                String log = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).getLog();
                if (log != null) {
                    log.lines().forEach(line -> listener.log(task, line));
                }
            } catch (RuntimeException e) {
                listener.log(task, "(the output of pod " + pod.getMetadata().getName() + " could not be read: "
                        + e.getMessage() + ")");
            }
        }
    }

    /**
     * Ready as {@code kubectl rollout status} says it: the controller has seen the current generation, every replica
     * runs the new pod template, no pod of an older one is left, and every new one is available. Ready pods of the
     * previous ReplicaSet do not count: a patch to a broken image is not ready while the old pod still serves.
     */
    static boolean ready(Deployment d) {
        var status = d.getStatus();
        if (status == null) {
            return false;
        }
        Long generation = d.getMetadata().getGeneration();
        if (generation != null && (status.getObservedGeneration() == null
                || status.getObservedGeneration() < generation)) {
            return false;
        }
        int desired = replicas(d);
        int updated = status.getUpdatedReplicas() == null ? 0 : status.getUpdatedReplicas();
        int total = status.getReplicas() == null ? updated : status.getReplicas();
        int available = status.getAvailableReplicas() == null ? readyReplicas(d) : status.getAvailableReplicas();
        return updated >= desired && total <= updated && available >= updated && readyReplicas(d) >= desired;
    }

    /** Whether the Deployment's controller has seen its current generation (its status speaks of this spec). */
    static boolean observed(Deployment d) {
        Long generation = d.getMetadata().getGeneration();
        return generation == null || d.getStatus() != null && d.getStatus().getObservedGeneration() != null
                && d.getStatus().getObservedGeneration() >= generation;
    }

    /** Why the Deployment's controller gave up on the rollout (ProgressDeadlineExceeded, ReplicaFailure), or null. */
    static String stalled(Deployment d) {
        if (d.getStatus() == null || d.getStatus().getConditions() == null) {
            return null;
        }
        for (var c : d.getStatus().getConditions()) {
            boolean deadline = "Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason());
            boolean replicaFailure = "ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus());
            if (deadline || replicaFailure) {
                return "deployment " + d.getMetadata().getName() + ": " + c.getReason()
                        + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")");
            }
        }
        return null;
    }

    /** The pod-template-hash of the Deployment's newest ReplicaSet, or null when there is none yet. */
    private String newestTemplateHash(String namespace, Deployment d) {
        String newest = null;
        long revision = -1;
        for (var rs : client.apps().replicaSets().inNamespace(namespace).withLabels(d.getSpec().getSelector()
                .getMatchLabels()).list().getItems()) {
            boolean owned = rs.getMetadata().getOwnerReferences() != null && rs.getMetadata().getOwnerReferences()
                    .stream().anyMatch(o -> d.getMetadata().getName().equals(o.getName()));
            String r = rs.getMetadata().getAnnotations() == null ? null
                    : rs.getMetadata().getAnnotations().get("deployment.kubernetes.io/revision");
            if (!owned || r == null || rs.getMetadata().getLabels() == null) {
                continue;
            }
            long n = Long.parseLong(r);
            if (n > revision) {
                revision = n;
                newest = rs.getMetadata().getLabels().get(TEMPLATE_HASH);
            }
        }
        return newest;
    }

    private static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    private static int readyReplicas(Deployment d) {
        return d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
    }

    /** Why the pods of a Job, or of anything without ReplicaSets, will not become ready, or null while they may. */
    static String failing(List<Pod> pods) {
        return failing(pods, null);
    }

    /**
     * Why the new pods of a Deployment will not become ready, or null while they may. Only pods of the newest
     * ReplicaSet ({@code templateHash}; all when unknown) that are not being deleted count: an old pod crash-looping
     * does not fail the patch that replaces it.
     */
    static String failing(List<Pod> pods, String templateHash) {
        for (Pod pod : pods) {
            if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                    || pod.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            if (templateHash != null && pod.getMetadata().getLabels() != null
                    && !templateHash.equals(pod.getMetadata().getLabels().getOrDefault(TEMPLATE_HASH, templateHash))) {
                continue;
            }
            for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
                String where = "pod " + pod.getMetadata().getName() + ", container " + c.getName() + ": ";
                if (c.getState() != null && c.getState().getWaiting() != null
                        && FAILING.contains(c.getState().getWaiting().getReason())) {
                    String message = c.getState().getWaiting().getMessage();
                    return where + c.getState().getWaiting().getReason()
                            + (message == null ? "" : " (" + message + ")")
                            + (c.getRestartCount() == null || c.getRestartCount() == 0 ? ""
                                    : ", restarted " + c.getRestartCount() + " times")
                            + lastExit(c);
                }
                if (oomKilled(c)) {
                    return where + "OOMKilled: it ran out of memory (raise its memory limit)";
                }
            }
        }
        return null;
    }

    private static String lastExit(ContainerStatus c) {
        if (c.getLastState() != null && c.getLastState().getTerminated() != null) {
            return ", last exit code " + c.getLastState().getTerminated().getExitCode();
        }
        return "";
    }

    /**
     * Killed for memory now, or killed before and not running again: a container that was OOMKilled once and has
     * recovered (running) is not failing.
     */
    private static boolean oomKilled(ContainerStatus c) {
        boolean now = c.getState() != null && c.getState().getTerminated() != null
                && "OOMKilled".equals(c.getState().getTerminated().getReason());
        boolean before = c.getLastState() != null && c.getLastState().getTerminated() != null
                && "OOMKilled".equals(c.getLastState().getTerminated().getReason());
        boolean running = c.getState() != null && c.getState().getRunning() != null;
        return now || before && !running;
    }

    private static String jobFailure(Job job, List<Pod> pods) {
        boolean failed = job.getStatus() != null && job.getStatus().getFailed() != null
                && job.getStatus().getFailed() > 0;
        String condition = null;
        if (job.getStatus() != null && job.getStatus().getConditions() != null) {
            for (JobCondition c : job.getStatus().getConditions()) {
                if ("Failed".equals(c.getType()) && "True".equals(c.getStatus())) {
                    failed = true;
                    condition = "DeadlineExceeded".equals(c.getReason())
                            ? "ran longer than its completed_timeout (" + job.getSpec().getActiveDeadlineSeconds()
                                    + " s)"
                            : c.getReason() + (c.getMessage() == null ? "" : ": " + c.getMessage());
                }
            }
        }
        if (!failed) {
            return failing(pods);
        }
        for (Pod pod : pods) {
            if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
                continue;
            }
            for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
                if (oomKilled(c)) {
                    return "job " + job.getMetadata().getName() + " was OOMKilled";
                }
                if (c.getState() != null && c.getState().getTerminated() != null
                        && c.getState().getTerminated().getExitCode() != null
                        && c.getState().getTerminated().getExitCode() != 0) {
                    return "job " + job.getMetadata().getName() + " exited with code "
                            + c.getState().getTerminated().getExitCode();
                }
            }
        }
        return "job " + job.getMetadata().getName() + " failed" + (condition == null ? "" : ": " + condition);
    }

    /** Counts the watch events; a wait ends at the next one, or after at most the given time. */
    private static final class Signal {

        private long count;

        synchronized long count() {
            return count;
        }

        synchronized void awaitChangeAfter(long seen, long maxMillis) throws InterruptedException {
            if (count == seen) {
                wait(Math.max(1, maxMillis));
            }
        }

        synchronized void changed() {
            count++;
            notifyAll();
        }

        <T> Watcher<T> watcher() {
            return new Watcher<>() {
                @Override
                public void eventReceived(Action action, T resource) {
                    changed();
                }

                @Override
                public void onClose(WatcherException cause) {
                    changed();
                }
            };
        }
    }
}

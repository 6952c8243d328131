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

    private static final Set<String> FAILING = Set.of("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull",
            "InvalidImageName", "CreateContainerConfigError", "CreateContainerError");

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
                String failing = failing(client.pods().inNamespace(namespace).withLabels(selector).list().getItems());
                if (failing != null) {
                    return new Outcome(false, failing);
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

    static boolean ready(Deployment d) {
        Long generation = d.getMetadata().getGeneration();
        Long observed = d.getStatus() == null ? null : d.getStatus().getObservedGeneration();
        boolean current = generation == null || observed == null || observed >= generation;
        Integer updated = d.getStatus() == null ? null : d.getStatus().getUpdatedReplicas();
        return current && readyReplicas(d) >= replicas(d) && (updated == null || updated >= replicas(d));
    }

    private static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    private static int readyReplicas(Deployment d) {
        return d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
    }

    /** Why the pods of a Deployment will not become ready, or null while they may. */
    static String failing(List<Pod> pods) {
        for (Pod pod : pods) {
            if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
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

    private static boolean oomKilled(ContainerStatus c) {
        return (c.getState() != null && c.getState().getTerminated() != null
                && "OOMKilled".equals(c.getState().getTerminated().getReason()))
                || (c.getLastState() != null && c.getLastState().getTerminated() != null
                        && "OOMKilled".equals(c.getLastState().getTerminated().getReason()));
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

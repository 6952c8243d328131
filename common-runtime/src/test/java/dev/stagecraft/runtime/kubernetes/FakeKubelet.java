package dev.stagecraft.runtime.kubernetes;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;

import dev.stagecraft.runtime.Labels;

/**
 * What the pods of {@link ControlPlane} do once they start, as told per image, service or job: become ready, stay
 * unready, crash-loop, run out of memory, fail to pull their image, succeed or fail with an exit code, or run past
 * their deadline. Ready and succeeded by default.
 */
public final class FakeKubelet {

    public enum Behaviour {
        READY, CRASH_LOOP, OOM_KILLED, NEVER_READY, IMAGE_PULL, SUCCEED, FAIL, DEADLINE
    }

    private final Map<String, Behaviour> byName = new ConcurrentHashMap<>();
    private final Map<String, Behaviour> byImage = new ConcurrentHashMap<>();
    private final Map<String, Integer> exitCodes = new ConcurrentHashMap<>();
    private volatile Consumer<Job> jobCreated = job -> { };

    FakeKubelet() {
    }

    /** How the pods of the service or job {@code name} behave from now on. */
    public FakeKubelet behave(String name, Behaviour behaviour) {
        byName.put(name, behaviour);
        return this;
    }

    /** How every pod running {@code image} behaves from now on; it wins over {@link #behave}. */
    public FakeKubelet image(String image, Behaviour behaviour) {
        byImage.put(image, behaviour);
        return this;
    }

    public FakeKubelet failWith(String job, int exitCode) {
        exitCodes.put(job, exitCode);
        return behave(job, Behaviour.FAIL);
    }

    /** Lets a test see every Job as the job controller first meets it. */
    public FakeKubelet onJobCreated(Consumer<Job> observer) {
        this.jobCreated = observer;
        return this;
    }

    void jobCreated(Job job) {
        jobCreated.accept(job);
    }

    private static String name(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        return labels.getOrDefault(Labels.JOB, labels.getOrDefault(Labels.SERVICE, pod.getMetadata().getName()));
    }

    private static boolean isJob(Pod pod) {
        return pod.getMetadata().getLabels() != null && pod.getMetadata().getLabels().containsKey("job-name");
    }

    private Behaviour behaviour(Pod pod) {
        String image = pod.getSpec().getContainers().get(0).getImage();
        Behaviour b = byImage.get(image);
        if (b == null) {
            b = byName.get(name(pod));
        }
        if (b == null) {
            return isJob(pod) ? Behaviour.SUCCEED : Behaviour.READY;
        }
        return b;
    }

    /** The status of a pending pod once the kubelet has started it. */
    PodStatus start(Pod pod) {
        String container = pod.getSpec().getContainers().get(0).getName();
        String image = pod.getSpec().getContainers().get(0).getImage();
        ContainerStatusBuilder status = new ContainerStatusBuilder().withName(container).withImage(image)
                .withRestartCount(0).withReady(false);
        String phase = "Running";
        boolean ready = false;
        String now = Instant.now().toString();
        switch (behaviour(pod)) {
            case READY -> {
                status.withReady(true).withStarted(true).withState(running(now));
                ready = true;
            }
            case NEVER_READY, DEADLINE -> status.withStarted(true).withState(running(now));
            case CRASH_LOOP -> status.withRestartCount(4).withState(new ContainerStateBuilder().withNewWaiting()
                    .withReason("CrashLoopBackOff").withMessage("back-off 40s restarting failed container="
                            + container).endWaiting().build())
                    .withLastState(new ContainerStateBuilder().withNewTerminated().withExitCode(1).withReason("Error")
                            .endTerminated().build());
            case OOM_KILLED -> status.withRestartCount(1).withState(new ContainerStateBuilder().withNewTerminated()
                    .withReason("OOMKilled").withExitCode(137).endTerminated().build());
            case IMAGE_PULL -> {
                phase = "Pending";
                status.withState(new ContainerStateBuilder().withNewWaiting().withReason("ErrImagePull")
                        .withMessage("failed to pull and unpack image \"" + image + "\": not found").endWaiting()
                        .build());
            }
            case SUCCEED -> {
                phase = "Succeeded";
                status.withState(terminated(0, "Completed"));
            }
            case FAIL -> {
                phase = "Failed";
                status.withState(terminated(exitCodes.getOrDefault(name(pod), 1), "Error"));
            }
        }
        return new PodStatusBuilder().withPhase(phase).withStartTime(now).withContainerStatuses(status.build())
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                        .build()).build();
    }

    /** Whether the pod's image pull failed once and the kubelet is to retry it. */
    static boolean pulling(Pod pod) {
        return waitingReason(pod, "ErrImagePull");
    }

    /** The kubelet gave up retrying the pull for now: ImagePullBackOff. */
    static PodStatus backOff(Pod pod) {
        PodStatus status = pod.getStatus();
        ContainerStatus c = status.getContainerStatuses().get(0);
        c.setState(new ContainerStateBuilder().withNewWaiting().withReason("ImagePullBackOff").withMessage(
                "Back-off pulling image \"" + c.getImage() + "\"").endWaiting().build());
        return status;
    }

    private static boolean waitingReason(Pod pod, String reason) {
        return pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
                && pod.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState() != null
                        && c.getState().getWaiting() != null && reason.equals(c.getState().getWaiting().getReason()));
    }

    /** A Job's status once its pod has ended (or run past the deadline), or null while it runs. */
    JobStatus jobStatus(Job job, List<Pod> pods) {
        JobStatusBuilder status = new JobStatusBuilder(job.getStatus() == null ? new JobStatus() : job.getStatus())
                .withActive(0);
        for (Pod pod : pods) {
            if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
                continue;
            }
            if (behaviour(pod) == Behaviour.DEADLINE) {
                return status.withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
                        .withStatus("True").withReason("DeadlineExceeded").withMessage("Job was active longer than"
                                + " specified deadline").build()).build();
            }
            String phase = pod.getStatus().getPhase();
            boolean oom = pod.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState() != null
                    && c.getState().getTerminated() != null && "OOMKilled".equals(c.getState().getTerminated()
                            .getReason()));
            if ("Succeeded".equals(phase)) {
                return status.withSucceeded(1).withCompletionTime(Instant.now().toString()).withConditions(
                        new JobConditionBuilder().withType("Complete").withStatus("True").build()).build();
            }
            if ("Failed".equals(phase) || oom) {
                return status.withFailed(1).withConditions(new JobConditionBuilder().withType("Failed")
                        .withStatus("True").withReason("BackoffLimitExceeded").withMessage("Job has reached the"
                                + " specified backoff limit").build()).build();
            }
        }
        return null;
    }

    private static ContainerState running(String since) {
        return new ContainerStateBuilder().withNewRunning().withStartedAt(since).endRunning().build();
    }

    private static ContainerState terminated(int exitCode, String reason) {
        return new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode).withReason(reason)
                .endTerminated().build();
    }
}

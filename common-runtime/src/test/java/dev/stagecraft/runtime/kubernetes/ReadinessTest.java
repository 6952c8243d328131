package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

/** Readiness as a real control plane reports a rollout, on the statuses a cluster writes. */
class ReadinessTest {

    private static Deployment deployment(long generation, Long observed, Integer total, Integer updated,
            Integer ready, Integer available) {
        return new DeploymentBuilder().withNewMetadata().withName("web").withGeneration(generation).endMetadata()
                .withNewSpec().withReplicas(1).endSpec().withNewStatus().withObservedGeneration(observed)
                .withReplicas(total).withUpdatedReplicas(updated).withReadyReplicas(ready)
                .withAvailableReplicas(available).endStatus().build();
    }

    /** A patch to a broken image: the old pod still serves (ready 1), the new one is not ready. Not ready. */
    @Test
    void aRolloutIsReadyOnlyWhenTheNewPodsAreAndNoOldOneIsLeft() {
        assertFalse(Readiness.ready(deployment(2, 2L, 2, 1, 1, 1)), "old pod still there: 2 pods, 1 updated");
        assertFalse(Readiness.ready(deployment(2, 1L, 1, 1, 1, 1)), "the controller has not seen generation 2");
        assertFalse(Readiness.ready(deployment(2, 2L, 1, 1, 0, 0)), "the new pod is not available");
        assertTrue(Readiness.ready(deployment(2, 2L, 1, 1, 1, 1)));
    }

    @Test
    void aRolloutPastItsProgressDeadlineOrWithAReplicaFailureHasFailed() {
        Deployment stuck = deployment(2, 2L, 2, 1, 1, 1);
        stuck.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                .withType("Progressing").withStatus("False").withReason("ProgressDeadlineExceeded")
                .withMessage("ReplicaSet \"web-7d9\" has timed out progressing.").build()));
        assertEquals("deployment web: ProgressDeadlineExceeded (ReplicaSet \"web-7d9\" has timed out progressing.)",
                Readiness.stalled(stuck));
        Deployment quota = deployment(2, 2L, 1, 0, 1, 1);
        quota.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                .withType("ReplicaFailure").withStatus("True").withReason("FailedCreate")
                .withMessage("exceeded quota").build()));
        assertTrue(Readiness.stalled(quota).startsWith("deployment web: FailedCreate"));
        assertNull(Readiness.stalled(deployment(2, 2L, 1, 1, 1, 1)));
    }

    private static Pod pod(String name, String hash, boolean deleting, io.fabric8.kubernetes.api.model.ContainerState state,
            io.fabric8.kubernetes.api.model.ContainerState last) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withLabels(Map.of(Readiness.TEMPLATE_HASH,
                hash)).withDeletionTimestamp(deleting ? "2026-01-01T00:00:00Z" : null).endMetadata().withNewStatus()
                .addNewContainerStatus().withName("web").withState(state).withLastState(last).withRestartCount(3)
                .endContainerStatus().endStatus();
        return pod.build();
    }

    private static io.fabric8.kubernetes.api.model.ContainerState waiting(String reason) {
        return new ContainerStateBuilder().withNewWaiting().withReason(reason).endWaiting().build();
    }

    private static final io.fabric8.kubernetes.api.model.ContainerState RUNNING = new ContainerStateBuilder()
            .withNewRunning().endRunning().build();
    private static final io.fabric8.kubernetes.api.model.ContainerState OOM = new ContainerStateBuilder()
            .withNewTerminated().withReason("OOMKilled").withExitCode(137).endTerminated().build();

    /** Only the newest ReplicaSet's pods that are not being deleted count, and only failures the kubelet gave up on. */
    @Test
    void onlyTheNewPodsCountAndOnlyFailuresTheKubeletGaveUpOn() {
        assertNull(Readiness.failing(List.of(pod("old", "aaa", false, waiting("CrashLoopBackOff"), null)), "bbb"),
                "the old ReplicaSet's crash-looping pod does not fail the patch that replaces it");
        assertNull(Readiness.failing(List.of(pod("going", "bbb", true, waiting("CrashLoopBackOff"), null)), "bbb"),
                "a terminating pod does not count");
        assertNull(Readiness.failing(List.of(pod("new", "bbb", false, waiting("ErrImagePull"), null)), "bbb"),
                "the kubelet retries a first failed pull");
        assertTrue(Readiness.failing(List.of(pod("new", "bbb", false, waiting("ImagePullBackOff"), null)), "bbb")
                .contains("ImagePullBackOff"));
        assertNull(Readiness.failing(List.of(pod("new", "bbb", false, RUNNING, OOM)), "bbb"),
                "killed for memory once, running again");
        assertTrue(Readiness.failing(List.of(pod("new", "bbb", false, waiting("CrashLoopBackOff"), OOM)), "bbb")
                .contains("CrashLoopBackOff"));
        assertTrue(Readiness.failing(List.of(pod("new", "bbb", false, OOM, null)), "bbb").contains("OOMKilled"));
    }
}

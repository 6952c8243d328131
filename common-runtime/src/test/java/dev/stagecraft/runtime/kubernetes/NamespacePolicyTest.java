package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ResourcesSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.EnvironmentSpec.SharedVolumeSpec;
import dev.stagecraft.events.EnvironmentSpec.VolumeSpec;

/** Each quota of an environment namespace refuses, with its figures and its setting, a template that passes it. */
class NamespacePolicyTest {

    private static final NamespacePolicy POLICY = NamespacePolicy.defaults(List.of("preview.example.test"));

    private static ServiceSpec service(String name, ResourcesSpec resources, int replicas, List<VolumeSpec> volumes) {
        return new ServiceSpec(name, "registry/" + name + ":1", null, 8080, Map.of(), List.of(), List.of(), List.of(),
                null, null, resources, replicas, volumes, List.of(), false);
    }

    private static EnvironmentSpec spec(List<ServiceSpec> services, List<SharedVolumeSpec> shared) {
        return new EnvironmentSpec("shop", services, Map.of(), List.of(), Map.of(), Map.of(), shared, "ephemeral", null,
                "kubernetes");
    }

    @Test
    void aTemplateWithinEveryQuotaPasses() {
        // 8 replicas at the default limits (1 CPU, 512Mi): exactly the CPU quota
        assertNull(POLICY.check(spec(List.of(service("web", null, 8, List.of(new VolumeSpec("data", "persistent",
                "/data", "10Gi", null)))), List.of(new SharedVolumeSpec("files", "40Gi", null)))));
    }

    @Test
    void memoryOverTheQuotaIsRefused() {
        String problem = POLICY.check(spec(List.of(service("db", new ResourcesSpec(null, "500m", null, "6Gi"), 3,
                List.of())), List.of()));
        assertTrue(problem.contains("need 18Gi of memory at their limits; an environment may use 16Gi"
                + " (STAGECRAFT_KUBERNETES_QUOTA_MEMORY)"), problem);
    }

    @Test
    void morePodsThanTheQuotaAreRefused() {
        String problem = POLICY.check(spec(List.of(service("worker", new ResourcesSpec(null, "10m", null, "16Mi"), 51,
                List.of())), List.of()));
        assertTrue(problem.contains("51 replicas in all; an environment may run 50 pods"
                + " (STAGECRAFT_KUBERNETES_QUOTA_PODS)"), problem);
    }

    @Test
    void claimsOverTheStorageQuotaAreRefused() {
        String problem = POLICY.check(spec(List.of(service("db", null, 1, List.of(new VolumeSpec("data", "persistent",
                "/data", "30Gi", null)))), List.of(new SharedVolumeSpec("files", "25Gi", null))));
        assertTrue(problem.contains("the volumes claim 55Gi; an environment may claim 50Gi"
                + " (STAGECRAFT_KUBERNETES_QUOTA_STORAGE)"), problem);
    }

    @Test
    void moreClaimsThanTheQuotaAreRefusedAndEveryProblemIsNamedAtOnce() {
        List<VolumeSpec> volumes = new java.util.ArrayList<>();
        for (int i = 0; i < 11; i++) {
            volumes.add(new VolumeSpec("v" + i, "persistent", "/v" + i, "100Mi", null));
        }
        String problem = POLICY.check(spec(List.of(service("db", new ResourcesSpec(null, "9", null, null), 1, volumes)),
                List.of()));
        assertTrue(problem.contains("11 volume claims; an environment may have 10 (STAGECRAFT_KUBERNETES_QUOTA_CLAIMS)")
                && problem.contains("need 9 CPU"), problem);
    }
}

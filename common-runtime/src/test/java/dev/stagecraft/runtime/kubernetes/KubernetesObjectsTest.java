package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec.ProbeSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;

/** The objects built from a spec, as the template parser writes it. */
class KubernetesObjectsTest {

    private static ServiceSpec withProbe(ProbeSpec probe) {
        return new ServiceSpec("web", "web:1", null, 8080, Map.of(), List.of(), List.of(), List.of(), probe, probe,
                null, 1, List.of(), List.of());
    }

    /** The parser writes probe kinds http_get, tcp_socket and exec: each becomes the probe of that kind. */
    @Test
    void probeKindsOfTheParserBecomeTheSameKindOfProbe() {
        var http = KubernetesObjects.deployment("e", withProbe(new ProbeSpec("http_get", List.of(), "/healthz", 8080,
                5, 2, 3, 1)), "web:1", Map.of(), v -> v, "h", null).getSpec().getTemplate().getSpec().getContainers()
                .get(0);
        assertNotNull(http.getReadinessProbe().getHttpGet(), "an http_get probe is an HTTP probe");
        assertEquals("/healthz", http.getReadinessProbe().getHttpGet().getPath());
        assertNull(http.getReadinessProbe().getTcpSocket());
        var tcp = KubernetesObjects.deployment("e", withProbe(new ProbeSpec("tcp_socket", List.of(), null, 8080, 5, 2,
                3, 1)), "web:1", Map.of(), v -> v, "h", null).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertNotNull(tcp.getLivenessProbe().getTcpSocket());
        var exec = KubernetesObjects.deployment("e", withProbe(new ProbeSpec("exec", List.of("true"), null, 0, 5, 2, 3,
                1)), "web:1", Map.of(), v -> v, "h", null).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of("true"), exec.getReadinessProbe().getExec().getCommand());
    }

    /** A ReadWriteOnce claim cannot follow a rolling update to another node: its service is recreated instead. */
    @Test
    void aServiceWithItsOwnClaimIsRecreatedAndSharedVolumesAreReadWriteMany() {
        ServiceSpec db = new ServiceSpec("db", "postgres:16", null, 5432, Map.of(), List.of(), List.of(), List.of(),
                null, null, null, 1, List.of(new dev.stagecraft.events.EnvironmentSpec.VolumeSpec("data", "persistent",
                        "/var/lib/postgresql", "1Gi", null)), List.of());
        assertEquals("Recreate", KubernetesObjects.deployment("e", db, "postgres:16", Map.of(), v -> v, "h", null)
                .getSpec().getStrategy().getType());
        assertEquals("RollingUpdate", KubernetesObjects.deployment("e", withProbe(null), "web:1", Map.of(), v -> v, "h",
                null).getSpec().getStrategy().getType());
        assertEquals(List.of("ReadWriteOnce"), KubernetesObjects.claim("e", "db-data", "1Gi", null).getSpec()
                .getAccessModes());
        assertEquals(List.of("ReadWriteMany"), KubernetesObjects.sharedClaim("e", "uploads", "2Gi", null).getSpec()
                .getAccessModes());
    }

    /**
     * A Deployment made without a pull Secret keeps the hash it had before pull Secrets existed (turning the feature
     * on is what restarts pods, not an upgrade); naming one changes the hash, so existing Deployments get it.
     */
    @Test
    void aPullSecretChangesTheDeploymentsHashAndItsAbsenceKeepsTheOldOne() {
        ServiceSpec web = withProbe(null);
        var without = KubernetesObjects.deployment("e", web, "web:1", Map.of("A", "b"), v -> v, "h", null);
        assertEquals(dev.stagecraft.events.cloudevents.SpecHash.sha256(dev.stagecraft.events.cloudevents.EventJson
                .write(List.of(web, "web:1", new java.util.TreeMap<>(Map.of("A", "b")), "h"))),
                without.getMetadata().getAnnotations().get(KubernetesObjects.CONFIG_HASH));
        assertEquals(List.of(), without.getSpec().getTemplate().getSpec().getImagePullSecrets());
        var with = KubernetesObjects.deployment("e", web, "web:1", Map.of("A", "b"), v -> v, "h", "registry-pull");
        assertNotEquals(without.getMetadata().getAnnotations().get(KubernetesObjects.CONFIG_HASH),
                with.getMetadata().getAnnotations().get(KubernetesObjects.CONFIG_HASH));
        assertEquals("registry-pull", with.getSpec().getTemplate().getSpec().getImagePullSecrets().get(0).getName());
    }
}

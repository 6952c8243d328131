package dev.stagecraft.runtime.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                5, 2, 3, 1)), "web:1", Map.of(), v -> v, "h").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertNotNull(http.getReadinessProbe().getHttpGet(), "an http_get probe is an HTTP probe");
        assertEquals("/healthz", http.getReadinessProbe().getHttpGet().getPath());
        assertNull(http.getReadinessProbe().getTcpSocket());
        var tcp = KubernetesObjects.deployment("e", withProbe(new ProbeSpec("tcp_socket", List.of(), null, 8080, 5, 2,
                3, 1)), "web:1", Map.of(), v -> v, "h").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertNotNull(tcp.getLivenessProbe().getTcpSocket());
        var exec = KubernetesObjects.deployment("e", withProbe(new ProbeSpec("exec", List.of("true"), null, 0, 5, 2, 3,
                1)), "web:1", Map.of(), v -> v, "h").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of("true"), exec.getReadinessProbe().getExec().getCommand());
    }
}

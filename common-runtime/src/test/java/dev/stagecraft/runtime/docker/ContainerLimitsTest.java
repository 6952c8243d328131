package dev.stagecraft.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec.ResourcesSpec;

/** A template's limits apply within bounds; nothing it writes removes them. */
class ContainerLimitsTest {

    private static ContainerLimits of(String cpu, String memory) {
        return ContainerLimits.DEFAULTS.forResources(new ResourcesSpec(null, cpu, null, memory));
    }

    @Test
    void quantitiesAreReadAsKubernetesWritesThem() {
        assertEquals(256L << 20, of(null, "256Mi").memoryBytes());
        assertEquals(1_000_000_000L, of(null, "1G").memoryBytes());
        assertEquals(500_000_000L, of("500m", null).nanoCpus());
        assertEquals(1_500_000_000L, of("1.5", null).nanoCpus());
    }

    @Test
    void zeroNonsenseAndHugeValuesNeverMeanNoLimit() {
        assertEquals(ContainerLimits.DEFAULTS, of("0", "0"), "0 would be unlimited to Docker: the default stays");
        assertEquals(ContainerLimits.DEFAULTS, of("lots", "0.1Ki"), "not a quantity: the default stays");
        ContainerLimits huge = of("64", "1Ti");
        assertEquals(ContainerLimits.MAX_MEMORY, huge.memoryBytes());
        assertEquals(ContainerLimits.MAX_NANO_CPUS, huge.nanoCpus());
        assertEquals(6L << 20, of(null, "1").memoryBytes(), "too little to start anything: raised to 6 MiB");
        assertEquals(512L, huge.pids());
    }
}

package dev.stagecraft.runtime.docker;

import java.math.BigDecimal;
import java.util.Locale;

import dev.stagecraft.events.EnvironmentSpec.ResourcesSpec;

/**
 * Memory, CPU and process limits of one container: the template's {@code resources} limits (Kubernetes quantities
 * such as {@code 512Mi}, {@code 1Gi}, {@code 500m}, {@code 2}) where it sets them, the installation's defaults
 * otherwise.
 */
public record ContainerLimits(long memoryBytes, long nanoCpus, long pids) {

    /** Memory 512 MiB, one CPU, 512 processes. */
    public static final ContainerLimits DEFAULTS = new ContainerLimits(512L << 20, 1_000_000_000L, 512);

    /** These defaults overridden by what {@code resources} limits (requests are not limits and are ignored). */
    public ContainerLimits forResources(ResourcesSpec resources) {
        if (resources == null) {
            return this;
        }
        long memory = resources.memoryLimit() == null ? memoryBytes : bytes(resources.memoryLimit());
        long cpus = resources.cpuLimit() == null ? nanoCpus : nanoCpus(resources.cpuLimit());
        return new ContainerLimits(memory, cpus, pids);
    }

    /** {@code 512Mi}, {@code 1G}, {@code 1048576}: bytes. */
    public static long bytes(String quantity) {
        String q = quantity.trim();
        String[][] units = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"k", "1000"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        for (String[] unit : units) {
            if (q.endsWith(unit[0])) {
                return new BigDecimal(q.substring(0, q.length() - unit[0].length())).multiply(new BigDecimal(unit[1]))
                        .longValueExact();
            }
        }
        return new BigDecimal(q).longValueExact();
    }

    /** {@code 500m}, {@code 1.5}, {@code 2}: billionths of a CPU. */
    public static long nanoCpus(String quantity) {
        String q = quantity.trim().toLowerCase(Locale.ROOT);
        if (q.endsWith("m")) {
            return new BigDecimal(q.substring(0, q.length() - 1)).movePointRight(6).longValueExact();
        }
        return new BigDecimal(q).movePointRight(9).longValueExact();
    }

    /** For messages: {@code 512 MiB}. */
    public String memoryText() {
        return memoryBytes % (1L << 20) == 0 ? (memoryBytes >> 20) + " MiB" : memoryBytes + " bytes";
    }
}

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
    /** The most a template may ask for: 8 GiB and 4 CPUs (0 would mean "no limit" to Docker). */
    static final long MAX_MEMORY = 8L << 30;
    static final long MAX_NANO_CPUS = 4_000_000_000L;
    private static final long MIN_MEMORY = 6L << 20;

    /**
     * These defaults overridden by what {@code resources} limits (requests are not limits and are ignored), kept
     * between 6 MiB and 8 GiB of memory and up to 4 CPUs; a value that is not a quantity, or not above zero, leaves
     * the default.
     */
    public ContainerLimits forResources(ResourcesSpec resources) {
        if (resources == null) {
            return this;
        }
        long memory = quantity(resources.memoryLimit(), ContainerLimits::bytes);
        long cpus = quantity(resources.cpuLimit(), ContainerLimits::nanoCpus);
        memory = memory <= 0 ? memoryBytes : Math.min(MAX_MEMORY, Math.max(MIN_MEMORY, memory));
        cpus = cpus <= 0 ? nanoCpus : Math.min(MAX_NANO_CPUS, cpus);
        return new ContainerLimits(memory, cpus, pids);
    }

    /** The quantity parsed, or 0 when there is none or it is not a quantity (the default applies then). */
    private static long quantity(String text, java.util.function.ToLongFunction<String> parse) {
        try {
            return text == null ? 0 : parse.applyAsLong(text);
        } catch (NumberFormatException | ArithmeticException notAQuantity) {
            return 0;
        }
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

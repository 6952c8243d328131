package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the services cost to run: the time from starting all five at once until the last is ready, then for each the
 * time from its own start until it is ready while the others run, and the resident memory and CPU use of each once
 * it has been idle for a while. "Ready" is {@code /q/health/ready} answering 200, which needs Kafka and PostgreSQL.
 * The services start with the JVM options every start uses ({@value StagecraftServices#JVM_OPTIONS}).
 * Usage: deploy/bench/services.sh [idle seconds].
 */
public final class ServicesMain {

    /** Linux's USER_HZ, the unit of the CPU times in /proc/[pid]/stat. */
    private static final int TICKS_PER_SECOND = 100;

    private ServicesMain() {
    }

    public static void main(String[] args) {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try {
            long t0 = System.nanoTime();
            try (Stack stack = Stack.forBenchmark("services")) {
                double allAtOnce = (System.nanoTime() - t0) / 1e9;
                Map<String, Double> alone = new LinkedHashMap<>();
                for (String service : StagecraftServices.SERVICES) {
                    stack.services.stop(service);
                    long t = System.nanoTime();
                    stack.services.restart(service);
                    alone.put(service, (System.nanoTime() - t) / 1e9);
                }
                Thread.sleep(Duration.ofSeconds(idle / 2).toMillis());
                Map<String, Long> ticks = new LinkedHashMap<>();
                for (String service : StagecraftServices.SERVICES) {
                    ticks.put(service, cpuTicks(stack.services.pid(service)));
                }
                long measured = System.nanoTime();
                Thread.sleep(Duration.ofSeconds(idle - idle / 2).toMillis());
                double seconds = (System.nanoTime() - measured) / 1e9;
                System.out.println();
                System.out.printf("%-12s %14s %14s %14s%n", "service", "start alone s", "idle RSS MB", "idle CPU %");
                for (String service : StagecraftServices.SERVICES) {
                    long pid = stack.services.pid(service);
                    System.out.printf("%-12s %14.2f %14.0f %14.1f%n", service, alone.get(service), rssMegabytes(pid),
                            100.0 * (cpuTicks(pid) - ticks.get(service)) / TICKS_PER_SECOND / seconds);
                }
                System.out.printf("all five started at once, the last ready after %.2f s (with the sample repository"
                        + " and git server set up first)%n", allAtOnce);
            }
            System.exit(0);
        } catch (Exception e) {
            System.err.println("services: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** User plus system CPU time of the process so far, in ticks, from /proc. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        // the fields after the command name, which is in parentheses and may hold spaces
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** VmRSS of the process, from /proc. */
    static double rssMegabytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }
}

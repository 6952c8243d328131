package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the services cost to run: the time from starting all five at once (Kafka and PostgreSQL already running, the
 * database migrated) until the last is ready, then for each the time from its own start until it is ready while the
 * others run, and the resident memory and CPU use of each once
 * it has been idle for a while. "Ready" is {@code /q/health/ready} answering 200, which needs Kafka and PostgreSQL.
 * The services start with the JVM options every start uses ({@value StagecraftServices#JVM_OPTIONS}).
 * Usage: deploy/bench/services.sh [idle seconds].
 */
public final class ServicesMain {

    /** Linux's USER_HZ, the unit of the CPU times in /proc/[pid]/stat. */
    private static final int TICKS_PER_SECOND = 100;
    private static final Pattern STARTED_IN = Pattern.compile("started in ([0-9.]+)s");

    private ServicesMain() {
    }

    /** Seconds to ready all at once and of each service alone; each one's idle resident memory and CPU use. */
    record Figures(double allAtOnceSeconds, Map<String, Double> aloneSeconds, Map<String, Double> idleRssMegabytes,
            Map<String, Double> idleCpuPercent) {
    }

    public static void main(String[] args) {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        try {
            measure(idle);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("services: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Starts a stack of its own, measures with {@code idle} seconds of idling, prints and returns the figures. */
    static Figures measure(int idle) throws Exception {
        long t0 = System.nanoTime();
        try (Stack stack = Stack.forBenchmark("services")) {
            double firstStart = (System.nanoTime() - t0) / 1e9;
            for (String service : StagecraftServices.SERVICES) {
                stack.services.stop(service);
            }
            long t1 = System.nanoTime();
            stack.services.restartAll(StagecraftServices.SERVICES);
            double allAtOnce = (System.nanoTime() - t1) / 1e9;
            Map<String, Double> alone = new LinkedHashMap<>();
            Map<String, String> quarkusStart = new LinkedHashMap<>();
            for (String service : StagecraftServices.SERVICES) {
                stack.services.stop(service);
                long t = System.nanoTime();
                stack.services.restart(service);
                alone.put(service, (System.nanoTime() - t) / 1e9);
                quarkusStart.put(service, startedIn(stack.services.log(service)));
            }
            Thread.sleep(Duration.ofSeconds(idle / 2).toMillis());
            Map<String, Long> ticks = new LinkedHashMap<>();
            for (String service : StagecraftServices.SERVICES) {
                ticks.put(service, cpuTicks(stack.services.pid(service)));
            }
            long measured = System.nanoTime();
            Thread.sleep(Duration.ofSeconds(idle - idle / 2).toMillis());
            double seconds = (System.nanoTime() - measured) / 1e9;
            Map<String, Double> rss = new LinkedHashMap<>();
            Map<String, Double> cpu = new LinkedHashMap<>();
            System.out.println();
            System.out.printf("%-12s %14s %14s %14s %14s%n", "service", "start alone s", "Quarkus s", "idle RSS MB",
                    "idle CPU %");
            for (String service : StagecraftServices.SERVICES) {
                long pid = stack.services.pid(service);
                rss.put(service, rssMegabytes(pid));
                cpu.put(service, 100.0 * (cpuTicks(pid) - ticks.get(service)) / TICKS_PER_SECOND / seconds);
                System.out.printf("%-12s %14.2f %14s %14.0f %14.1f%n", service, alone.get(service),
                        quarkusStart.get(service), rss.get(service), cpu.get(service));
            }
            System.out.printf("all five started at once, the last ready after %.2f s (the stack's first start, with"
                    + " Kafka, PostgreSQL, the git server and the migrations: %.2f s)%n", allAtOnce, firstStart);
            return new Figures(allAtOnce, alone, rss, cpu);
        }
    }

    /**
     * The "started in" time Quarkus logs (its own start, before the Kafka consumers join their groups and the
     * readiness check passes), or "-" when the log has none.
     */
    static String startedIn(Path log) throws IOException {
        Matcher m = STARTED_IN.matcher(Files.readString(log));
        String last = "-";
        while (m.find()) {
            last = m.group(1);
        }
        return last;
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

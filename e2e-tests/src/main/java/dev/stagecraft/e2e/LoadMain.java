package dev.stagecraft.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.Topics;
import dev.stagecraft.runtime.Labels;

/**
 * Opens many pull requests at once on one application, each with its own web page (so each builds), and waits until
 * every environment is READY; then closes them all and waits until every one is DELETED. Repeats for several
 * rounds. Prints per round how many became READY and DELETED, how many got stuck or failed, and the spread of
 * webhook → READY. Usage: deploy/bench/load.sh [pull requests] [rounds].
 */
public final class LoadMain {

    private static final Duration PATIENCE = Duration.ofMinutes(15);

    private LoadMain() {
    }

    /** One round: what became READY and DELETED, what was left, and the list latency measured after READY. */
    record Round(int pullRequests, int ready, int notReady, double lastReadySeconds, int deleted, int notDeleted,
            double deletedWithinSeconds, List<String> left, double listP99Millis) {

        boolean clean() {
            return notReady == 0 && notDeleted == 0 && left.isEmpty();
        }
    }

    /** Every round, and the gateway's consumer lag over the whole run (samples in seconds, sorted). */
    record Figures(List<Round> rounds, List<Double> lags) {

        boolean allGood() {
            return rounds.stream().allMatch(Round::clean);
        }

        double lagPercentile(double p) {
            return pct(lags, p);
        }
    }

    public static void main(String[] args) {
        int pullRequests = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try {
            System.exit(measure(pullRequests, rounds).allGood() ? 0 : 1);
        } catch (Exception e) {
            System.err.println("load: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs {@code rounds} rounds of {@code pullRequests} pull requests on a stack of its own; prints and returns. */
    static Figures measure(int pullRequests, int rounds) throws Exception {
        List<Round> done = new ArrayList<>();
        try (Stack stack = Stack.forBenchmark("load")) {
            String app = stack.registerSample("load");
            try (ConsumerLag lag = new ConsumerLag(stack.infra.kafkaClientConfig(), "stagecraft-gateway",
                    Topics.LIFECYCLE, Duration.ofMillis(250))) {
                for (int round = 1; round <= rounds; round++) {
                    done.add(round(stack, app, round, pullRequests));
                }
                List<Double> lags = lag.sorted();
                System.out.printf("gateway consumer lag over the run (%d samples every 250 ms): p50 %.2f s, p99"
                        + " %.2f s, max %.2f s%n", lags.size(), pct(lags, 0.5), pct(lags, 0.99), pct(lags, 1.0));
                return new Figures(done, lags);
            }
        }
    }

    private static Round round(Stack stack, String app, int round, int count) throws Exception {
        List<PullRequestFlow> flows = new ArrayList<>();
        List<String> heads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String branch = "load-" + round + "-" + i;
            stack.repository.branch(branch);
            heads.add(stack.repository.commit(branch, Map.of("web/index.html", "web " + branch + " "
                    + UUID.randomUUID() + "\n"), "page of " + branch));
            flows.add(new PullRequestFlow(stack, app, round * 10_000 + i, branch));
        }
        ExecutorService pool = Executors.newFixedThreadPool(32);
        Map<Integer, Double> readyAfter = new ConcurrentHashMap<>();
        Map<Integer, String> problems = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        // every webhook first, as fast as the gateway takes them; then wait for every environment
        Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
        List<Future<?>> opened = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            opened.add(pool.submit(() -> {
                sentAt.put(n, System.nanoTime());
                try {
                    flows.get(n).open(heads.get(n));
                } catch (Exception e) {
                    problems.put(n, "webhook of pull request " + n + " not taken: " + e.getMessage());
                }
                return null;
            }));
        }
        for (Future<?> f : opened) {
            f.get();
        }
        double allSent = (System.nanoTime() - start) / 1e9;
        List<Future<?>> waited = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            if (problems.containsKey(n)) {
                continue;
            }
            waited.add(pool.submit(() -> {
                try {
                    flows.get(n).awaitReady(PATIENCE);
                    readyAfter.put(n, (System.nanoTime() - sentAt.get(n)) / 1e9);
                } catch (Exception | AssertionError e) {
                    problems.put(n, describe(stack, flows.get(n), e));
                }
                return null;
            }));
        }
        for (Future<?> f : waited) {
            f.get();
        }
        double allReady = (System.nanoTime() - start) / 1e9;
        double listP99 = listLatency(stack, app, LISTED);
        long closeStart = System.nanoTime();
        Map<Integer, String> notDeleted = new ConcurrentHashMap<>();
        List<Future<?>> closed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            if (flows.get(n).environment() == null) {
                continue;
            }
            closed.add(pool.submit(() -> {
                try {
                    flows.get(n).close();
                    flows.get(n).awaitDeleted(PATIENCE);
                } catch (Exception | AssertionError e) {
                    notDeleted.put(n, describe(stack, flows.get(n), e));
                }
                return null;
            }));
        }
        for (Future<?> f : closed) {
            f.get();
        }
        pool.shutdown();
        double allDeleted = (System.nanoTime() - closeStart) / 1e9;
        List<Double> sorted = readyAfter.values().stream().sorted().toList();
        System.out.printf("round %d: %d pull requests opened within %.1f s; READY %d (the last %.1f s after the first"
                + " webhook; webhook -> READY p50 %.1f s, p90 %.1f s, max %.1f s); not READY %d; closed, DELETED %d"
                + " (within %.1f s); not DELETED %d%n", round, count, allSent, sorted.size(), allReady,
                pct(sorted, 0.5), pct(sorted, 0.9), pct(sorted, 1.0), problems.size(), count - notDeleted.size(),
                allDeleted, notDeleted.size());
        problems.forEach((n, why) -> System.out.printf("  not READY: %s%n", why));
        notDeleted.forEach((n, why) -> System.out.printf("  not DELETED: %s%n", why));
        List<String> left = leftBehind(stack, flows);
        System.out.printf("round %d: after teardown, %d containers, networks or volumes of its environments are left%s%n",
                round, left.size(), left.isEmpty() ? "" : ": " + left);
        return new Round(count, sorted.size(), problems.size(), allReady, count - notDeleted.size(),
                notDeleted.size(), allDeleted, left, listP99);
    }

    /** How many environments the list latency is measured with: history is added up to this many. */
    private static final int LISTED = 1000;

    /**
     * Adds DELETED copies of one of the application's environments until the database holds {@code atLeast}
     * environments, then asks for {@code GET /api/environments} (a page, newest first) 200 times, one after another,
     * and prints the answer times; returns their 99th percentile in milliseconds.
     */
    private static double listLatency(Stack stack, String app, int atLeast) throws Exception {
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), "")) {
            int existing;
            try (ResultSet rs = db.createStatement().executeQuery("select count(*) from gateway.environment")) {
                rs.next();
                existing = rs.getInt(1);
            }
            if (existing < atLeast) {
                String any;
                try (ResultSet rs = db.createStatement().executeQuery("select id from gateway.environment limit 1")) {
                    rs.next();
                    any = rs.getString(1);
                }
                ListMain.copyRows(db, "environment", "id", any, atLeast - existing, Map.of(
                        "id", "'history-' || g || '-' || substr(md5(random()::text), 1, 16)", "state", "'DELETED'"));
            }
        }
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long t = System.nanoTime();
            GatewayClient.Answer answer = stack.gateway.get("/api/environments");
            millis.add((System.nanoTime() - t) / 1e6);
            if (answer.status() != 200) {
                throw new IllegalStateException("GET /api/environments answered " + answer.status());
            }
        }
        List<Double> sorted = millis.stream().sorted().toList();
        System.out.printf("GET /api/environments with at least %d environments in the database: p50 %.1f ms, p99 %.1f"
                + " ms, max %.1f ms%n", atLeast, pct(sorted, 0.5), pct(sorted, 0.99), pct(sorted, 1.0));
        return pct(sorted, 0.99);
    }

    /** The containers, networks and volumes still labelled with one of the round's environments. */
    private static List<String> leftBehind(Stack stack, List<PullRequestFlow> flows) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        flows.stream().map(PullRequestFlow::environment).filter(java.util.Objects::nonNull).forEach(ids::add);
        List<String> left = new ArrayList<>();
        Map<String, String> managed = Map.of(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        stack.docker.listContainersCmd().withShowAll(true).withLabelFilter(managed).exec().stream()
                .filter(c -> ids.contains(c.getLabels().get(Labels.ENVIRONMENT)))
                .forEach(c -> left.add("container " + String.join(",", c.getNames())));
        stack.docker.listNetworksCmd().withFilter("label", List.of(Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE))
                .exec().stream().filter(n -> ids.contains(n.getLabels().get(Labels.ENVIRONMENT)))
                .forEach(n -> left.add("network " + n.getName()));
        var volumes = stack.docker.listVolumesCmd().withFilter("label",
                List.of(Labels.MANAGED_BY + "=" + Labels.MANAGED_BY_VALUE)).exec().getVolumes();
        if (volumes != null) {
            volumes.stream().filter(v -> v.getLabels() != null && ids.contains(v.getLabels().get(Labels.ENVIRONMENT)))
                    .forEach(v -> left.add("volume " + v.getName()));
        }
        return left;
    }

    static double pct(List<Double> sorted, double p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        return sorted.get((int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(sorted.size() * p) - 1)));
    }

    private static String describe(Stack stack, PullRequestFlow flow, Throwable e) {
        try {
            JsonNode env = stack.gateway.environment(flow.environment());
            return flow.environment() + " in " + env.path("state").asText() + ": " + e.getMessage();
        } catch (Exception ignored) {
            return flow.environment() + ": " + e.getMessage();
        }
    }
}

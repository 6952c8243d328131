package dev.stagecraft.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Measures the e2e flow: webhook to READY (total, build, setup and the platform's own overhead), push to patched,
 * close to deleted; and, as the baseline, the same repository cloned, built and run by hand with git and docker
 * until both services answer HTTP 200, then the push by hand: one image rebuilt and its container replaced until it
 * answers with the new page. Every round changes both services so nothing comes from a cache.
 */
public final class BenchmarkMain {

    static final String TOTAL = "platform: webhook -> READY (total)";
    static final String OVERHEAD = "platform: overhead (total - build - setup)";
    static final String PATCHED = "platform: push -> patched READY";
    static final String DELETED = "platform: close -> DELETED (verified)";
    static final String BASELINE = "baseline: clone + build + run + first 200";
    static final String PATCH_BASELINE = "baseline: rebuild + replace one + new 200";

    private BenchmarkMain() {
    }

    /** Every figure of a run, in seconds, one value per round, under the names the table prints. */
    record Figures(int rounds, Map<String, List<Double>> values) {

        /** The middle value (the upper one of the two middle values when there are an even number). */
        double median(String name) {
            List<Double> sorted = sorted(name);
            return sorted.get(sorted.size() / 2);
        }

        double min(String name) {
            return sorted(name).get(0);
        }

        double max(String name) {
            List<Double> sorted = sorted(name);
            return sorted.get(sorted.size() - 1);
        }

        /** The nearest-rank percentile {@code p} (0 to 1): the largest value when there are 100 rounds or fewer. */
        double percentile(String name, double p) {
            List<Double> sorted = sorted(name);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.max(0, Math.ceil(sorted.size() * p) - 1)));
        }

        private List<Double> sorted(String name) {
            List<Double> named = values.get(name);
            if (named == null || named.isEmpty()) {
                throw new IllegalStateException("no figure named " + name);
            }
            return named.stream().sorted().toList();
        }
    }

    public static void main(String[] args) {
        try {
            measure(args.length > 0 ? Integer.parseInt(args[0]) : 3);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("benchmark: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /** Runs {@code rounds} rounds on a stack of its own, prints the hop trace and the figures, and returns them. */
    static Figures measure(int rounds) throws Exception {
        Path work = Files.createTempDirectory("stagecraft-baseline-");
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        try (Stack stack = Stack.forBenchmark("bench");
                HopTrace trace = HopTrace.start(stack.infra.kafkaClientConfig())) {
            String app = stack.registerSample("bench");
            for (int round = 1; round <= rounds; round++) {
                platformRound(stack, trace, app, round, figures);
                baselineRound(stack, work.resolve("baseline-" + round), figures);
                System.out.printf("benchmark: round %d of %d done%n", round, rounds);
            }
            System.out.println();
            trace.printSummary();
        }
        System.out.println();
        System.out.printf("%-44s %8s %8s %8s%n", "figure (seconds, " + rounds + " rounds)", "median", "min", "max");
        Figures measured = new Figures(rounds, figures);
        figures.keySet().forEach(name -> System.out.printf("%-44s %8.2f %8.2f %8.2f%n", name, measured.median(name),
                measured.min(name), measured.max(name)));
        return measured;
    }

    private static void platformRound(Stack stack, HopTrace trace, String app, int round,
            Map<String, List<Double>> figures) throws Exception {
        String branch = "bench-" + round;
        stack.repository.branch(branch);
        String nonce = UUID.randomUUID().toString().substring(0, 8);
        String head = stack.repository.commit(branch, Map.of("web/index.html", "web " + nonce + "\n",
                "api/index.html", "api " + nonce + "\n"), "round " + round);
        PullRequestFlow pr = new PullRequestFlow(stack, app, 100 + round, branch);
        long t0 = System.nanoTime();
        OffsetDateTime sent = OffsetDateTime.now();
        String environment = pr.open(head);
        JsonNode ready = pr.awaitReady();
        double total = seconds(t0);
        OffsetDateTime seen = OffsetDateTime.now();
        double build = between(ready, "dev.stagecraft.build.started.v1", "dev.stagecraft.build.completed.v1");
        double setup = between(ready, "dev.stagecraft.setup.started.v1", "dev.stagecraft.setup.succeeded.v1");
        add(figures, TOTAL, total);
        add(figures, "platform: build (BuildStarted -> Completed)", build);
        add(figures, "platform: setup (SetupStarted -> Succeeded)", setup);
        add(figures, OVERHEAD, total - build - setup);
        add(figures, "  of which webhook -> BuildStarted", Duration.between(sent, at(ready,
                "dev.stagecraft.build.started.v1")).toMillis() / 1000.0);
        add(figures, "  of which BuildCompleted -> SetupStarted", between(ready, "dev.stagecraft.build.completed.v1",
                "dev.stagecraft.setup.started.v1"));
        add(figures, "  of which SetupSucceeded -> READY seen", Duration.between(at(ready,
                "dev.stagecraft.setup.succeeded.v1"), seen).toMillis() / 1000.0);

        System.out.printf("round %d: webhook -> READY%n", round);
        trace.breakdown(environment, sent.toInstant());

        String next = stack.repository.commit(branch, Map.of("web/index.html", "web " + nonce + " v2\n"), "patch");
        t0 = System.nanoTime();
        java.time.Instant pushed = java.time.Instant.now();
        pr.push(next);
        pr.awaitReady();
        add(figures, PATCHED, seconds(t0));
        System.out.printf("round %d: push -> patched%n", round);
        trace.breakdown(environment, pushed);

        t0 = System.nanoTime();
        pr.close();
        java.time.Instant closed = java.time.Instant.now();
        pr.awaitDeleted();
        add(figures, DELETED, seconds(t0));
        System.out.printf("round %d: close -> DELETED%n", round);
        trace.breakdown(environment, closed);
    }

    private static void baselineRound(Stack stack, Path dir, Map<String, List<Double>> figures) throws Exception {
        String nonce = UUID.randomUUID().toString().substring(0, 8);
        String tag = "baseline-" + nonce;
        List<String> containers = new ArrayList<>();
        // what one would do by hand with the same isolation: a network of its own, no host networking anywhere
        String network = "stagecraft-bench-" + nonce;
        long t0 = System.nanoTime();
        try {
            exec(List.of("git", "clone", "-q", "--branch", "main", stack.repositoryUrl, dir.toString()), null);
            Files.writeString(dir.resolve("web/index.html"), "web " + nonce + "\n");
            Files.writeString(dir.resolve("api/index.html"), "api " + nonce + "\n");
            for (String service : List.of("web", "api")) {
                exec(List.of("docker", "build", "-q", "--network", "none", "-t", "stagecraft-bench/" + service + ":" + tag,
                        service), dir);
            }
            exec(List.of("docker", "network", "create", network), null);
            for (String service : List.of("web", "api")) {
                String name = "stagecraft-bench-" + nonce + "-" + service;
                exec(List.of("docker", "run", "-d", "--name", name, "--network", network, "-e", "PORT=8080",
                        "stagecraft-bench/" + service + ":" + tag), null);
                containers.add(name);
            }
            for (String name : containers) {
                String address = exec(List.of("docker", "inspect", "-f",
                        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name), null).strip();
                awaitHttp200("http://" + address + ":8080/", null);
            }
            add(figures, BASELINE, seconds(t0));

            // the push by hand: the same change as the platform's patch, one image rebuilt, its container replaced
            t0 = System.nanoTime();
            String changed = "web " + nonce + " v2\n";
            Files.writeString(dir.resolve("web/index.html"), changed);
            exec(List.of("docker", "build", "-q", "--network", "none", "-t", "stagecraft-bench/web:" + tag + "-2",
                    "web"), dir);
            String web = containers.get(0);
            exec(List.of("docker", "rm", "-f", web), null);
            exec(List.of("docker", "run", "-d", "--name", web, "--network", network, "-e", "PORT=8080",
                    "stagecraft-bench/web:" + tag + "-2"), null);
            String address = exec(List.of("docker", "inspect", "-f",
                    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", web), null).strip();
            awaitHttp200("http://" + address + ":8080/", changed);
            add(figures, PATCH_BASELINE, seconds(t0));
        } finally {
            for (String c : containers) {
                exec(List.of("docker", "rm", "-f", c), null);
            }
            execQuietly(List.of("docker", "network", "rm", network));
            for (String service : List.of("web", "api")) {
                execQuietly(List.of("docker", "rmi", "stagecraft-bench/" + service + ":" + tag));
            }
            execQuietly(List.of("docker", "rmi", "stagecraft-bench/web:" + tag + "-2"));
        }
    }

    /** Waits until {@code url} answers 200, with {@code body} when that is not null. */
    private static void awaitHttp200(String url, String body) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200 && (body == null || body.equals(answer.body()))) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(url + " did not answer 200" + (body == null ? "" : " with " + body.strip())
                + " within 60s");
    }

    private static OffsetDateTime at(JsonNode env, String type) {
        for (JsonNode entry : env.get("timeline")) {
            if (entry.get("applied").asBoolean() && entry.get("type").asText().equals(type)) {
                return OffsetDateTime.parse(entry.get("at").asText());
            }
        }
        throw new IllegalStateException("timeline lacks " + type);
    }

    private static double between(JsonNode env, String fromType, String toType) {
        OffsetDateTime from = null;
        OffsetDateTime to = null;
        for (JsonNode entry : env.get("timeline")) {
            if (!entry.get("applied").asBoolean()) {
                continue;
            }
            String type = entry.get("type").asText();
            if (type.equals(fromType) && from == null) {
                from = OffsetDateTime.parse(entry.get("at").asText());
            } else if (type.equals(toType) && to == null) {
                to = OffsetDateTime.parse(entry.get("at").asText());
            }
        }
        if (from == null || to == null) {
            throw new IllegalStateException("timeline lacks " + fromType + " or " + toType);
        }
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    /** Runs {@code cmd} and returns what it printed; fails naming the command when it exits non-zero. */
    private static String exec(List<String> cmd, Path dir) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static void execQuietly(List<String> cmd) {
        try {
            exec(cmd, null);
        } catch (IOException | InterruptedException ignored) {
            // cleanup of a benchmark image
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void add(Map<String, List<Double>> figures, String name, double value) {
        figures.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
}

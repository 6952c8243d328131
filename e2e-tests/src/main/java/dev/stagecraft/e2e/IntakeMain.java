package dev.stagecraft.e2e;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * Webhook intake under load: signed GitHub push deliveries, each with a delivery id of its own, for a branch no
 * environment follows, so each is verified, stored and answered and nothing else happens. A fixed number of
 * connections each send one delivery after another for a fixed time (after a warm-up of the same length as a tenth
 * of it); prints the throughput and the spread of answer times. The generator runs on the same machine as the
 * services and takes its share of the CPU. Usage: deploy/bench/intake.sh [connections] [seconds].
 */
public final class IntakeMain {

    private static final ObjectMapper JSON = new ObjectMapper();

    private IntakeMain() {
    }

    public static void main(String[] args) {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try {
            if (!measure(connections, seconds).answeredAll()) {
                System.exit(1);
            }
            System.exit(0);
        } catch (Exception e) {
            System.err.println("intake: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    /**
     * Sends deliveries over {@code connections} connections for {@code seconds} after the warm-up, on a stack of its
     * own; prints and returns what was answered.
     */
    static Result measure(int connections, int seconds) throws Exception {
        try (Stack stack = Stack.forBenchmark("intake")) {
            stack.registerSample("intake");
            byte[] body = JSON.writeValueAsBytes(GitHubPayloads.push("no-environment-follows-this",
                    "1".repeat(40), stack.repositoryUrl));
            String signature = GatewayClient.sign(Stack.SECRET, body);
            URI gateway = URI.create(stack.gateway.baseUrl());
            Vertx vertx = Vertx.vertx();
            try {
                Load load = new Load(vertx, gateway, body, signature, connections);
                load.run(Duration.ofSeconds(Math.max(2, seconds / 10)), false);
                Result result = load.run(Duration.ofSeconds(seconds), true);
                System.out.println();
                System.out.printf("intake: %d connections for %d s (after a warm-up), generator on this machine%n",
                        connections, seconds);
                System.out.printf("%-34s %10.0f%n", "deliveries answered per second", result.perSecond());
                System.out.printf("%-34s %10d%n", "answered 202", result.accepted());
                System.out.printf("%-34s %10s%n", "other answers", result.others());
                System.out.printf("%-34s %10.1f%n", "p50 (ms)", result.percentile(50));
                System.out.printf("%-34s %10.1f%n", "p90 (ms)", result.percentile(90));
                System.out.printf("%-34s %10.1f%n", "p99 (ms)", result.percentile(99));
                System.out.printf("%-34s %10.1f%n", "max (ms)", result.percentile(100));
                return result;
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** What one measured run answered. */
    record Result(long[] micros, int accepted, Map<Integer, Integer> others, Duration took) {

        double perSecond() {
            return micros.length / (took.toNanos() / 1e9);
        }

        /** Whether anything was answered, and every answer was 202. */
        boolean answeredAll() {
            return accepted > 0 && others.isEmpty();
        }

        double percentile(int p) {
            if (micros.length == 0) {
                return Double.NaN;
            }
            int index = Math.max(0, (int) Math.ceil(micros.length * p / 100.0) - 1);
            return micros[index] / 1000.0;
        }
    }

    /** Connections that each send the next delivery as soon as the last one is answered. */
    private static final class Load {

        private final HttpClient client;
        private final Buffer body;
        private final String signature;
        private final int connections;

        Load(Vertx vertx, URI gateway, byte[] body, String signature, int connections) {
            this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                    .setDefaultHost(gateway.getHost()).setDefaultPort(gateway.getPort()),
                    new PoolOptions().setHttp1MaxSize(connections));
            this.body = Buffer.buffer(body);
            this.signature = signature;
            this.connections = connections;
        }

        Result run(Duration duration, boolean keep) throws InterruptedException {
            long[] latencies = new long[4_000_000];
            AtomicInteger count = new AtomicInteger();
            AtomicInteger accepted = new AtomicInteger();
            Map<Integer, Integer> others = new TreeMap<>();
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            CountDownLatch done = new CountDownLatch(connections);
            for (int i = 0; i < connections; i++) {
                next(end, latencies, count, accepted, others, done);
            }
            done.await(duration.toSeconds() + 60, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            long[] sorted = Arrays.copyOf(latencies, Math.min(count.get(), latencies.length));
            Arrays.sort(sorted);
            return keep ? new Result(sorted, accepted.get(), others, took) : null;
        }

        private void next(long end, long[] latencies, AtomicInteger count, AtomicInteger accepted,
                Map<Integer, Integer> others, CountDownLatch done) {
            if (System.nanoTime() >= end) {
                done.countDown();
                return;
            }
            long sent = System.nanoTime();
            RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setURI("/webhooks/github")
                    .addHeader("Content-Type", "application/json").addHeader("X-GitHub-Event", "push")
                    .addHeader("X-GitHub-Delivery", UUID.randomUUID().toString())
                    .addHeader("X-Hub-Signature-256", signature);
            client.request(request).compose(r -> r.send(body)).compose(r -> r.body().map(b -> r.statusCode()))
                    .onComplete(answer -> {
                        int status = answer.succeeded() ? answer.result() : -1;
                        int n = count.getAndIncrement();
                        if (n < latencies.length) {
                            latencies[n] = (System.nanoTime() - sent) / 1000;
                        }
                        if (status == 202) {
                            accepted.incrementAndGet();
                        } else {
                            synchronized (others) {
                                others.merge(status, 1, Integer::sum);
                            }
                        }
                        next(end, latencies, count, accepted, others, done);
                    });
        }
    }
}

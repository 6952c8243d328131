package dev.stagecraft.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.stagecraft.infra.LocalInfra;
import dev.stagecraft.runtime.kubernetes.ControlPlane;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * One stack for every end-to-end test class: Kafka, PostgreSQL, the git server and the five services as processes,
 * offering both runtimes. The Kubernetes runtime talks to {@link ControlPlane} (the fabric8 mock API server with a real
 * API server's rules, its controllers and a kubelet) on 127.0.0.1 through a kubeconfig, as it would to a cluster.
 * The services export their spans to {@link #spans}, an OTLP receiver in this JVM. Stopped when the test JVM exits.
 */
final class SharedStack {

    static ControlPlane kubernetes;
    static KubernetesClient kubernetesClient;
    /** Every span the services exported. */
    static SpanCollector spans;
    private static Stack stack;

    private SharedStack() {
    }

    static synchronized Stack get() throws Exception {
        if (stack != null) {
            return stack;
        }
        Path work = Files.createTempDirectory("stagecraft-e2e-");
        spans = SpanCollector.start();
        kubernetes = ControlPlane.start();
        kubernetesClient = kubernetes.client("e2e-tests");
        Path kubeconfig = work.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: http://127.0.0.1:%d
                users:
                - name: stagecraft
                  user:
                    token: mock-token
                contexts:
                - name: mock
                  context:
                    cluster: mock
                    user: stagecraft
                    namespace: default
                current-context: mock
                """.formatted(kubernetes.port()));
        Path root = Path.of(System.getProperty("stagecraft.root", "..")).toAbsolutePath();
        Path dump = work.resolve("shop.sql");
        Path scrub = work.resolve("scrub.sql");
        try (var in = SharedStack.class.getResourceAsStream("/datasets/shop.sql");
                var obfuscation = SharedStack.class.getResourceAsStream("/datasets/scrub.sql")) {
            Files.copy(in, dump);
            Files.copy(obfuscation, scrub);
        }
        stack = Stack.start(root, LocalInfra.shared(), work, Map.ofEntries(
                Map.entry("KUBECONFIG", kubeconfig.toString()),
                Map.entry("STAGECRAFT_RUNTIMES", "docker,kubernetes"), Map.entry("STAGECRAFT_DEFAULT_RUNTIME", "docker"),
                // leases short enough that a run of a killed instance is taken over within the tests' patience
                Map.entry("STAGECRAFT_STAGE_LEASE", "PT6S"),
                // the registry clean-up runs when a test asks for it, and counts every tag of a finished test as old
                Map.entry("STAGECRAFT_REGISTRY_GC_EVERY", "off"), Map.entry("STAGECRAFT_REGISTRY_GRACE", "PT0S"),
                // every image goes to the registry, so the clean-up has the tags of Docker environments to remove too
                Map.entry("STAGECRAFT_BUILD_PUSH", "always"),
                // traces exported as to a collector, in batches every 100 ms so a test need not wait long for them
                Map.entry("STAGECRAFT_OTEL_ENDPOINT", spans.endpoint()),
                Map.entry("STAGECRAFT_OTEL_PROTOCOL", "http/protobuf"),
                Map.entry("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms"),
                // the router's access log read every second, so an idle environment sleeps within the tests' patience
                Map.entry("STAGECRAFT_SLEEP_CHECK", "1s"),
                // the dataset "shop" (DatasetTest), in the environment variable form of its map keys, refilled every
                // 2 s: the setup-service restores its snapshot while the first tests run
                Map.entry("STAGECRAFT_DATASETS_SHOP_DUMP", dump.toString()),
                Map.entry("STAGECRAFT_DATASETS_SHOP_OBFUSCATE", scrub.toString()),
                Map.entry("STAGECRAFT_DATASETS_SHOP_DATABASE", "shop"),
                Map.entry("STAGECRAFT_DATASETS_SHOP_USER", "shop"),
                Map.entry("STAGECRAFT_DATASETS_SHOP_PASSWORD", "e2e-" + java.util.UUID.randomUUID()),
                Map.entry("STAGECRAFT_DATASETS_SHOP_POOL_SIZE", "1"),
                Map.entry("STAGECRAFT_DATASET_REFILL_EVERY", "2")));
        Runtime.getRuntime().addShutdownHook(new Thread(SharedStack::stop));
        return stack;
    }

    private static void stop() {
        try {
            stack.close();
        } catch (Exception ignored) {
            // the JVM is exiting
        }
        kubernetesClient.close();
        kubernetes.close();
        spans.close();
    }
}

package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.infra.PostgresServer;
import dev.stagecraft.infra.SampleRepository;

/**
 * Checks what {@code deploy/local/up.sh} promises, on a state folder of its own and ports of its own:
 * a pull request's delivery acknowledged just before PostgreSQL crashes ({@code pg_ctl stop -m immediate}) is kept
 * and its environment still becomes READY; after {@code down.sh} nothing of Stagecraft runs; after {@code up.sh}
 * again the application, the environment (serving), the delivery and an API token are all still there, and a push
 * is deployed; {@code up.sh} twice in a row is harmless. Prints one line per check; exits 1 on the first failure.
 * Arguments: the project root, the state folder (empty).
 */
public final class UpCheckMain {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    private final Path root;
    private final Path home;
    private final Map<String, String> environment = new LinkedHashMap<>();

    private UpCheckMain(Path root, Path home) {
        this.root = root;
        this.home = home;
        environment.put("STAGECRAFT_HOME", home.toString());
        environment.put("STAGECRAFT_GATEWAY_PORT", "18180");
        environment.put("STAGECRAFT_BUILD_PORT", "18181");
        environment.put("STAGECRAFT_SETUP_PORT", "18182");
        environment.put("STAGECRAFT_PATCH_PORT", "18183");
        environment.put("STAGECRAFT_TEARDOWN_PORT", "18184");
        environment.put("STAGECRAFT_KAFKA_PORT", "19192");
        environment.put("STAGECRAFT_PG_PORT", "25432");
        environment.put("STAGECRAFT_REGISTRY_ADDR", "127.0.0.1:15500");
        environment.put("STAGECRAFT_GATEWAY_HOST", "127.0.0.1");
        environment.put("STAGECRAFT_POOL", "10.216.0.0/16");
        environment.put("STAGECRAFT_ROUTER_LISTEN", "127.0.0.1:18280");
        environment.put("STAGECRAFT_ROUTER_ADMIN_ADDR", "127.0.0.1:18281");
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath();
        Path home = Path.of(args[1]).toAbsolutePath();
        UpCheckMain check = new UpCheckMain(root, home);
        int exit = 0;
        try {
            check.run();
        } catch (Throwable e) {
            check.say("FAILED: " + e);
            exit = 1;
        } finally {
            check.script("down.sh");
        }
        System.exit(exit);
    }

    private void run() throws Exception {
        long t0 = System.nanoTime();
        script("up.sh");
        check("up.sh started everything", String.format("%.1fs", seconds(t0)));
        String token = Files.readString(home.resolve("admin-token")).strip();
        GatewayClient gateway = new GatewayClient("http://127.0.0.1:18180", token);
        GatewayClient.Answer created = gateway.post("/api/tokens", "{\"name\": \"ci\", \"role\": \"deployer\"}");
        require(created.status() == 201, "token created: " + created);
        String ciToken = created.json().get("token").asText();

        Path work = Files.createDirectories(home.resolve("check"));
        String nonce = UUID.randomUUID().toString().substring(0, 8);
        try (SampleRepository repository = SampleRepository.create(work, nonce); GitServer git = GitServer.start(work)) {
            String url = git.url(SampleRepository.NAME);
            String app = "shop-" + nonce;
            gateway.registerApplication(app, url, Stack.SECRET, SampleRepository.TEMPLATE);
            repository.branch("feature");
            String first = repository.commit("feature", Map.of("CHANGELOG.md", "one\n"), "one");
            PullRequestFlow pr = new PullRequestFlow(gateway, url, app, 1, "feature");
            String delivery = UUID.randomUUID().toString();
            t0 = System.nanoTime();
            String env = pr.open(first, delivery);
            crashPostgres();
            check("PostgreSQL crashed right after the delivery was answered, and came back",
                    String.format("%.1fs after the webhook", seconds(t0)));
            JsonNode ready = pr.awaitReady();
            check("environment READY after the crash", String.format("%.1fs after the webhook", seconds(t0)));
            requireDelivery(gateway, delivery);
            check("acknowledged delivery kept", "github:" + delivery);
            String web = ready.get("endpoints").get("web").asText();
            require(gateway.fetch(web).body().contains("web v1 " + nonce), "web serves v1");

            script("up.sh");
            check("up.sh again while up is harmless", "gateway still answers: "
                    + gateway.get("/api/environments/" + env).status());

            script("down.sh");
            List<String> left = processesUnder(home);
            require(left.isEmpty(), "after down.sh nothing runs from " + home + ", yet: " + left);
            check("down.sh stopped everything", "no process runs from the state folder");

            t0 = System.nanoTime();
            script("up.sh");
            check("up.sh after down.sh", String.format("%.1fs", seconds(t0)));
            require(gateway.get("/api/applications").body().contains(app), "application kept");
            JsonNode again = gateway.environment(env);
            require("READY".equals(again.path("state").asText()) && first.equals(again.path("deployedCommit").asText()),
                    "environment still READY at " + first + ": " + again);
            awaitBody(gateway, web, "web v1 " + nonce);
            requireDelivery(gateway, delivery);
            GatewayClient asCi = new GatewayClient("http://127.0.0.1:18180", ciToken);
            require(asCi.get("/api/environments/" + env).status() == 200, "token kept");
            check("state kept across down and up", "application, environment (serving again), delivery, token");

            String second = repository.commit("feature", Map.of("web/index.html", "web v2 " + nonce + "\n"), "two");
            t0 = System.nanoTime();
            pr.push(second);
            pr.awaitReady();
            awaitBody(gateway, web, "web v2 " + nonce);
            check("push deployed after the restart", String.format("%.1fs", seconds(t0)));
            pr.close();
            pr.awaitDeleted();
            check("pull request closed: environment DELETED", "");
        }
    }

    private void crashPostgres() throws IOException, InterruptedException {
        Path log = home.resolve("logs/infra.log");
        long before = Files.readString(log).split("PostgreSQL is back", -1).length;
        exec(List.of("runuser", "-u", "postgres", "--", PostgresServer.findBinaries().resolve("pg_ctl").toString(),
                "stop", "-D", home.resolve("infra/postgres").toString(), "-m", "immediate"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.readString(log).split("PostgreSQL is back", -1).length == before) {
            require(System.nanoTime() < deadline, "PostgreSQL restarted within 60s; see " + log);
            Thread.sleep(100);
        }
    }

    private static void requireDelivery(GatewayClient gateway, String delivery) throws IOException, InterruptedException {
        String deliveries = gateway.get("/api/deliveries").body();
        require(deliveries.contains("github:" + delivery), "delivery github:" + delivery + " listed: " + deliveries);
    }

    private static void awaitBody(GatewayClient gateway, String url, String expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = gateway.fetch(url).body();
                if (last.contains(expected)) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(url + " did not answer \"" + expected + "\" within 60s; last: " + last);
    }

    private static List<String> processesUnder(Path home) {
        List<String> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> p.info().commandLine()
                .filter(c -> c.contains(home.toString()))
                .ifPresent(c -> found.add(p.pid() + " " + c)));
        return found;
    }

    private void script(String name) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("deploy/local/" + name).toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("scripts.log").toFile()));
        builder.environment().putAll(environment);
        Process p = builder.start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(name + " failed; see " + home + "-logs/scripts.log");
        }
    }

    private static void exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    private void check(String what, String figure) {
        say(String.format("%-75s %s", what, figure));
    }

    private void say(String line) {
        System.out.println("up-check: " + line);
    }

    private static void require(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}

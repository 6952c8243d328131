package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;

import dev.stagecraft.infra.SampleRepository;
import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.docker.DockerDatasets;
import dev.stagecraft.runtime.docker.DockerRuntime;

/**
 * A dataset through the five services on the Docker runtime: the setup-service restores the stack's dataset "shop"
 * (SharedStack: a plain SQL dump and obfuscation SQL, configured as environment variables) and keeps one copy ready;
 * a pull request environment whose template lists it checks that copy out at setup, its database service serves it and
 * its web service reads the rows through the connection variables, obfuscated; the pool is refilled; closing the pull
 * request destroys the copy.
 */
class DatasetTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final int PULL_REQUEST = 901;

    private static Stack stack;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
    }

    /** The web service: reads the customers through DATABASE_URL once the database answers, and serves them. */
    private static final String SERVE = """
            mkdir -p /tmp/www
            i=0
            until psql "$DATABASE_URL" -Atc "SELECT name || ' <' || email || '>' FROM customers ORDER BY id" \\
                > /tmp/www/index.html 2>/tmp/psql.err; do
              i=$((i + 1))
              [ "$i" -lt 60 ] || { cat /tmp/psql.err; exit 1; }
              sleep 1
            done
            exec httpd -f -p "${PORT:-8080}" -h /tmp/www
            """;

    private static JsonNode pool() throws Exception {
        // the stack enables both runtimes, and each keeps a pool of the dataset: this test is about the Docker one
        GatewayClient.Answer answer = stack.gateway.get("/api/datasets/shop?runtime=docker");
        return answer.status() == 200 ? answer.json() : null;
    }

    private static List<Container> claims(String env) {
        return stack.docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.ENVIRONMENT, env,
                DockerDatasets.ROLE, "claim")).exec();
    }

    @Test
    void aPullRequestEnvironmentChecksOutAnObfuscatedCopyAndItsTeardownDestroysIt() throws Exception {
        // the setup-service restored the dump once and keeps a copy ready (the gateway shows its report)
        Awaitility.await("the dataset's pool is ready").atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    JsonNode pool = pool();
                    return pool != null && pool.path("snapshot").asBoolean() && pool.path("ready").asInt() >= 1;
                });

        String app = "dataset-" + stack.nonce;
        SampleRepository repository = stack.newRepository(app, Map.of(
                "web/Dockerfile", "FROM stagecraft/base:postgres\nCOPY serve.sh /serve.sh\n"
                        + "ENTRYPOINT [\"sh\", \"/serve.sh\"]\n",
                "web/serve.sh", SERVE));
        String template = """
                app: %s
                services:
                - name: db
                  image: stagecraft/base:postgres
                  ports:
                  - type: container_port
                    port: '5432'
                - name: web
                  build:
                    context: ./web
                  ports:
                  - type: container_port
                    port: '8080'
                  depends_on:
                  - db
                environment_templates:
                - name: ephemeral
                  datasets:
                  - name: shop
                    service: db
                - name: permanent
                """.formatted(app);
        String url = stack.repositoryUrl(app);
        stack.gateway.registerApplication(app, url, Stack.SECRET, template, "docker");
        repository.branch("customers");
        String head = repository.commit("customers", Map.of("NOTES.md", "customers page\n"), "customers page");
        PullRequestFlow pr = new PullRequestFlow(stack.gateway, url, app, PULL_REQUEST, "customers");
        String env = pr.open(head);
        JsonNode ready = pr.awaitReady(TIMEOUT);

        // the web service reads the environment's copy: the dump's rows, with the obfuscation applied
        GatewayClient.Answer page = stack.gateway.fetch(ready.get("endpoints").get("web").asText());
        assertEquals(200, page.status(), page.body());
        assertEquals("Ada <ada@example.invalid>\nGrace <grace@example.invalid>\nLinus <linus@example.invalid>",
                page.body().strip(), "the customers as the copy has them");
        assertFalse(page.body().contains("real-mail"), "no address of the dump reaches the environment");

        // the setup took the ready copy from the pool, and the database service serves that copy
        String setup = ready.get("workflows").get(ready.get("workflows").size() - 1).path("id").asText();
        JsonNode tasks = stack.gateway.get("/api/workflows/" + setup).json().get("tasks");
        JsonNode checkout = null;
        for (JsonNode task : tasks) {
            if ("datasets.shop".equals(task.path("task").asText())) {
                checkout = task;
            }
        }
        assertTrue(checkout != null, "the setup has a datasets.shop task: " + tasks);
        assertEquals("SUCCEEDED", checkout.path("status").asText(), checkout.toString());
        assertTrue(checkout.path("message").asText().contains("from the pool"), checkout.toString());
        System.out.println("dataset: " + checkout.path("message").asText());
        List<Container> held = claims(env);
        assertEquals(1, held.size(), "one copy is checked out to the environment");
        String copy = held.get(0).getLabels().get(DockerDatasets.VOLUME);
        assertTrue(stack.docker.inspectContainerCmd(DockerRuntime.containerName(env, "db")).exec().getMounts()
                .stream().anyMatch(m -> copy.equals(m.getName())), "db mounts the copy " + copy);

        // the pool is refilled in the background
        Awaitility.await("the pool is refilled").atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    JsonNode pool = pool();
                    return pool != null && pool.path("ready").asInt() >= 1 && pool.path("checkedOut").asInt() >= 1;
                });

        // closing the pull request destroys the copy; the pool no longer counts it
        pr.close();
        pr.awaitDeleted(TIMEOUT);
        assertEquals(List.of(), claims(env), "no copy is held for the environment");
        boolean gone;
        try {
            stack.docker.inspectVolumeCmd(copy).exec();
            gone = false;
        } catch (NotFoundException removed) {
            gone = true;
        }
        assertTrue(gone, "the copy's volume " + copy + " is removed");
        Awaitility.await("the pool reports no copy checked out").atMost(TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    JsonNode pool = pool();
                    return pool != null && pool.path("checkedOut").asInt() == 0;
                });
    }
}

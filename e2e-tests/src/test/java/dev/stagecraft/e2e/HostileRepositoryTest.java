package dev.stagecraft.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.infra.SampleRepository;

/**
 * Pull request code is hostile: a repository whose build steps and running containers try to reach Stagecraft's
 * infrastructure (Kafka, PostgreSQL, the registry, the gateway, the Docker API), the host through their network's
 * gateway address, and another environment's service, and whose symlinks point at the build-service's secrets.
 * Every attempt must fail, and every refused build must say why on the environment.
 */
class HostileRepositoryTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final String PROBE = """
            #!/bin/sh
            # probe TARGET...: "reached" or "blocked" for each HOST:PORT; gateway:PORT is this network's gateway
            gateway() { while read i d g r; do [ "$d" = 00000000 ] && { echo "$g"; return; }; done < /proc/net/route; }
            for t in "$@"; do
              case "$t" in
                docker)
                  for s in /var/run/docker.sock /run/docker.sock "$DOCKER_SOCKET"; do
                    if [ -n "$s" ] && [ -e "$s" ]; then echo "reached docker socket $s"; else echo "blocked docker socket $s"; fi
                  done
                  continue;;
                gateway:*)
                  g=$(gateway)
                  if [ -z "$g" ]; then echo "blocked $t (no route)"; continue; fi
                  t=$(printf '%d.%d.%d.%d' 0x${g:6:2} 0x${g:4:2} 0x${g:2:2} 0x${g:0:2}):${t#gateway:};;
              esac
              if nc -w 2 "${t%:*}" "${t##*:}" </dev/null >/dev/null 2>&1; then echo "reached $t"; else echo "blocked $t"; fi
            done
            """;
    private static final String CGI = """
            #!/bin/sh
            echo "Content-Type: text/plain"
            echo ""
            # PEER_URL: set by Stagecraft for every service of the environment (http://peer:9000)
            if [ "$QUERY_STRING" = peer ]; then wget -q -O - "$PEER_URL/"; else sh /bin/probe $(echo "$QUERY_STRING" | tr ',' ' '); fi
            """;

    private static Stack stack;
    private static PullRequestFlow victimPullRequest;
    private static String victimEndpoint;
    /** The victim's web service on its own network: address and port. */
    private static String victimAddress;

    @BeforeAll
    static void aVictimEnvironmentRuns() throws Exception {
        stack = SharedStack.get();
        String victim = "victim-" + stack.nonce;
        stack.gateway.registerApplication(victim, stack.repositoryUrl, Stack.SECRET, SampleRepository.TEMPLATE);
        stack.repository.branch("victim");
        String head = stack.repository.commit("victim", Map.of("VICTIM.md", "victim\n"), "victim");
        PullRequestFlow pr = new PullRequestFlow(stack, victim, 500, "victim");
        victimPullRequest = pr;
        pr.open(head);
        victimEndpoint = pr.awaitReady().get("endpoints").get("web").asText();
        var networks = stack.docker.inspectContainerCmd("stagecraft-" + pr.environment() + "-web").exec()
                .getNetworkSettings().getNetworks();
        victimAddress = networks.values().iterator().next().getIpAddress() + ":8080";
    }

    @AfterAll
    static void theVictimGoes() throws Exception {
        // every application of the shared repository got an environment for this pull request: closing it ends them
        victimPullRequest.close();
        victimPullRequest.awaitDeleted();
    }

    /** Everything pull request code must not reach, as HOST:PORT, plus the Docker socket. */
    private static List<String> forbidden() {
        URI gateway = URI.create(stack.services.gatewayUrl());
        URI victim = URI.create(victimEndpoint);
        String routerPort = victim.getPort() > 0 ? Integer.toString(victim.getPort()) : "80";
        String kafka = stack.infra.kafkaBootstrapServers();
        String postgres = "127.0.0.1:" + URI.create(stack.infra.jdbcUrl().substring(5)).getPort();
        List<String> targets = new ArrayList<>(List.of(kafka, postgres, "127.0.0.1:" + gateway.getPort(),
                "127.0.0.1:" + routerPort, victimAddress, "docker"));
        for (String variable : List.of("STAGECRAFT_REGISTRY", "STAGECRAFT_ROUTER_ADMIN")) {
            String value = System.getenv(variable);
            if (value != null && !value.isBlank()) {
                targets.add(value.replaceFirst("^https?://", ""));
            }
        }
        // the host as seen from the container's network: every service listens on loopback only
        for (String hostPort : new ArrayList<>(targets)) {
            if (hostPort.startsWith("127.0.0.1:")) {
                targets.add("gateway:" + hostPort.substring("127.0.0.1:".length()));
            }
        }
        return targets;
    }

    private static String template(List<String> buildTargets) {
        return """
                app: hostile
                services:
                - name: probe
                  build:
                    context: ./probe
                    args:
                      TARGETS: '%s'
                  ports:
                  - type: container_port
                    port: '8080'
                - name: peer
                  build:
                    context: ./peer
                  ports:
                  - type: container_port
                    port: '9000'
                """.formatted(String.join(" ", buildTargets));
    }

    private static Map<String, String> hostileFiles(String nonce) {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("probe/probe.sh", PROBE);
        files.put("probe/cgi", CGI);
        files.put("probe/Dockerfile", """
                FROM stagecraft/base:busybox
                ARG TARGETS
                COPY probe.sh /bin/probe
                COPY cgi /www/cgi-bin/probe
                RUN chmod 755 /bin/probe /www/cgi-bin/probe && (sh /bin/probe $TARGETS > /www/build.txt 2>&1; cat /www/build.txt)
                CMD ["sh", "-c", "exec httpd -f -p $PORT -h /www"]
                """);
        files.put("peer/index.html", "peer " + nonce + "\n");
        files.put("peer/Dockerfile", """
                FROM stagecraft/base:busybox
                COPY index.html /www/index.html
                CMD ["sh", "-c", "exec httpd -f -p 9000 -h /www"]
                """);
        return files;
    }

    @Test
    void buildStepsAndContainersReachNothingOfStagecraftNorAnotherEnvironmentButTheirOwnPeerByName() throws Exception {
        String app = "hostile-" + stack.nonce;
        List<String> targets = forbidden();
        try (SampleRepository repo = stack.newRepository(app, hostileFiles(stack.nonce))) {
            String url = stack.repositoryUrl(app);
            stack.gateway.registerApplication(app, url, Stack.SECRET, template(targets));
            repo.branch("attack");
            String head = repo.commit("attack", Map.of("ATTACK.md", "attack\n"), "attack");
            PullRequestFlow pr = new PullRequestFlow(stack.gateway, url, app, 1, "attack");
            pr.open(head);
            JsonNode ready = pr.awaitReady();
            String probe = ready.get("endpoints").get("probe").asText();

            String duringBuild = stack.gateway.fetch(probe + "/build.txt").body();
            assertProbed("RUN step", duringBuild, targets);

            String running = stack.gateway.fetch(probe + "/cgi-bin/probe?" + String.join(",", targets)).body();
            assertProbed("running container", running, targets);
            assertTrue(stack.gateway.fetch(probe + "/cgi-bin/probe?peer:9000").body().contains("reached peer:9000"),
                    "the probe does see what is reachable: its own peer");

            assertEquals("peer " + stack.nonce, stack.gateway.fetch(probe + "/cgi-bin/probe?peer").body().strip(),
                    "services of one environment find each other by name");
            assertTrue(stack.gateway.fetch(victimEndpoint).body().contains("web v1"), "the victim still serves");
            pr.close();
            pr.awaitDeleted();
        }
    }

    private static void assertProbed(String where, String output, List<String> targets) {
        output.lines().forEach(line -> System.out.printf("hostile %-18s %s%n", where + ":", line));
        assertFalse(output.contains("reached"), where + " reached something: " + output);
        for (String t : targets) {
            String shown = t.startsWith("gateway:") ? ":" + t.substring("gateway:".length()) : t;
            assertTrue(output.contains("blocked") && output.contains(shown), where + " did not try " + t + ": " + output);
        }
    }

    @Test
    void symlinksToTheBuildServicesSecretsRefuseTheBuildAndSayWhyOnTheEnvironment() throws Exception {
        String app = "links-" + stack.nonce;
        Map<String, String> files = new LinkedHashMap<>();
        files.put("web/Dockerfile", "FROM stagecraft/base:busybox\nCOPY . /www/\n");
        files.put("web/index.html", "links\n");
        try (SampleRepository repo = stack.newRepository(app, files)) {
            String url = stack.repositoryUrl(app);
            stack.gateway.registerApplication(app, url, Stack.SECRET, "services:\n" + SampleRepository.service("web"));
            repo.branch("etc");
            String etc = repo.commit("etc", Map.of("web/etc", "-> /etc"), "link to /etc");
            assertFailure(new PullRequestFlow(stack.gateway, url, app, 1, "etc"), etc,
                    "symlink web/etc -> /etc is absolute");

            repo.branch("environ");
            String environ = repo.commit("environ", Map.of(".stagecraft/application_template.yaml", "services:\n- name: web\n  build:\n    context: ./web\n",
                    ".stagecraft/environment_variables.yaml", "-> /proc/self/environ"), "link to environ");
            assertFailure(new PullRequestFlow(stack.gateway, url, app, 2, "environ"), environ,
                    ".stagecraft/environment_variables.yaml is a symlink");

            repo.branch("mirrors");
            String mirrors = repo.commit("mirrors", Map.of("web/mirrors", "-> ../../../../../mirrors"), "link up");
            assertFailure(new PullRequestFlow(stack.gateway, url, app, 3, "mirrors"), mirrors,
                    "points outside the build context");
        }
    }

    private static void assertFailure(PullRequestFlow pr, String head, String reason) throws Exception {
        String env = pr.open(head);
        JsonNode failed = stack.gateway.awaitEnvironment(env, e -> "FAILED".equals(e.path("state").asText()), TIMEOUT,
                "FAILED");
        assertTrue(failed.path("failureReason").asText().contains(reason), failed.path("failureReason").asText());
        String timeline = failed.path("timeline").toString();
        assertTrue(timeline.contains(reason), "the timeline says why: " + timeline);
        assertFalse(timeline.contains("STAGECRAFT_ADMIN_TOKEN") || timeline.contains("JDBC"), "nothing leaked: " + timeline);
        pr.close();
        pr.awaitDeleted();
    }
}

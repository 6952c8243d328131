package dev.stagecraft.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.e2e.SpanCollector.CollectedSpan;
import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.Topics;
import dev.stagecraft.infra.SampleRepository;

/**
 * One trace from a pull request's webhook to its environment's READY, across the five services as processes, the
 * outbox, real Kafka, the Docker engine and the router: the gateway's request, its command through the relay, the
 * build-service's run and its build, the gateway's handling of BuildCompleted, the setup-service's run with its
 * Docker calls and its route, its SetupSucceeded, and the gateway's handling of that, which announces READY. The
 * services export their spans to {@link SpanCollector} as they would to a collector.
 */
class WebhookTraceTest {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    private static final int PULL_REQUEST = 71;

    private static Stack stack;

    @BeforeAll
    static void startEverything() throws Exception {
        stack = SharedStack.get();
    }

    @Test
    void aPullRequestsWebhookIsOneTraceToTheGatewaysHandlingOfSetupSucceeded() throws Exception {
        // a repository of its own: an application on the shared sample repository would get an environment for
        // every pull request the other tests open there
        String name = "traced-" + stack.nonce;
        SampleRepository repository = stack.newRepository(name, Map.of(
                "web/Dockerfile", SampleRepository.dockerfile(), "web/index.html", "web " + stack.nonce + "\n",
                "api/Dockerfile", SampleRepository.dockerfile(), "api/index.html", "api " + stack.nonce + "\n"));
        String url = stack.repositoryUrl(name);
        stack.gateway.registerApplication(name, url, Stack.SECRET, SampleRepository.TEMPLATE);
        repository.branch("traced");
        String sha = repository.commit("traced", Map.of("web/index.html", "web traced " + stack.nonce + "\n"),
                "traced change");
        String delivery = UUID.randomUUID().toString();
        assertEquals(202, stack.gateway.webhook("pull_request", GitHubPayloads.pullRequest(
                GitHubPayloads.recorded("pull_request-opened.json"), "opened", PULL_REQUEST, "traced", sha, url),
                Stack.SECRET, delivery).status());
        String env = null;
        for (JsonNode e : stack.gateway.environments(name)) {
            if (e.path("pullRequest").asInt() == PULL_REQUEST) {
                env = e.get("id").asText();
            }
        }
        assertTrue(env != null, "the delivery made an environment");
        String environment = env;
        stack.gateway.awaitEnvironment(environment, e -> "READY".equals(e.path("state").asText()), READY_TIMEOUT,
                "READY");

        // the webhook's request span names the delivery; its trace is the one to follow (GitHub sends no traceparent)
        SpanCollector spans = SharedStack.spans;
        CollectedSpan webhook = await().atMost(Duration.ofSeconds(30)).until(() -> spans.find(s -> delivery.equals(
                s.attribute("stagecraft.webhook.delivery"))), found -> !found.isEmpty()).get(0);
        assertEquals("stagecraft-gateway", webhook.service());
        assertEquals("SPAN_KIND_SERVER", webhook.kind());
        assertEquals("accepted", webhook.attribute("stagecraft.webhook.outcome"));
        String traceId = webhook.traceId();

        String buildCompleted = MessageType.BUILD_COMPLETED.ceType();
        String setupSucceeded = MessageType.SETUP_SUCCEEDED.ceType();
        String ready = MessageType.ENVIRONMENT_READY.ceType();
        Map<String, Predicate<CollectedSpan>> expected = new java.util.LinkedHashMap<>();
        expected.put("gateway: BuildRequested sent by the outbox relay",
                s -> gateway(s) && s.name().equals("send " + Topics.BUILD_COMMANDS));
        expected.put("build: the command consumed", s -> in(s, "build") && s.name().equals("process "
                + Topics.BUILD_COMMANDS));
        expected.put("build: the run", s -> in(s, "build") && s.name().equals("run BuildRequested"));
        expected.put("build: the checkout", s -> in(s, "build") && s.name().equals("git checkout"));
        expected.put("build: the image build on the Docker engine", s -> in(s, "build")
                && s.name().equals("docker build"));
        expected.put("build: BuildCompleted sent", s -> in(s, "build") && s.name().equals("send " + Topics.LIFECYCLE)
                && buildCompleted.equals(s.attribute("cloudevents.event_type")));
        expected.put("gateway: BuildCompleted handled", s -> gateway(s) && s.name().equals("process "
                + Topics.LIFECYCLE) && buildCompleted.equals(s.attribute("cloudevents.event_type")));
        expected.put("gateway: SetupRequested sent", s -> gateway(s) && s.name().equals("send "
                + Topics.SETUP_COMMANDS));
        expected.put("setup: the run", s -> in(s, "setup") && s.name().equals("run SetupRequested"));
        expected.put("setup: the Docker runtime's setup", s -> in(s, "setup") && s.name().equals("docker setup")
                && environment.equals(s.attribute("stagecraft.environment")));
        expected.put("setup: the web service's task", s -> in(s, "setup") && s.name().equals("task services.web"));
        expected.put("setup: a container started", s -> in(s, "setup") && s.name().equals("docker start"));
        expected.put("setup: the route on the router", s -> in(s, "setup") && s.name().equals("router publish"));
        expected.put("setup: the router's admin API", s -> in(s, "setup") && s.name().equals("router PATCH")
                && "CLIENT".equals(kindOf(s)));
        expected.put("setup: SetupSucceeded sent", s -> in(s, "setup") && s.name().equals("send " + Topics.LIFECYCLE)
                && setupSucceeded.equals(s.attribute("cloudevents.event_type")));
        expected.put("gateway: SetupSucceeded handled", s -> gateway(s) && s.name().equals("process "
                + Topics.LIFECYCLE) && setupSucceeded.equals(s.attribute("cloudevents.event_type")));
        expected.put("gateway: EnvironmentReady announced", s -> gateway(s) && s.name().equals("send "
                + Topics.LIFECYCLE) && ready.equals(s.attribute("cloudevents.event_type")));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            List<CollectedSpan> trace = spans.trace(traceId);
            Set<String> missing = new TreeSet<>();
            expected.forEach((what, matches) -> {
                if (trace.stream().noneMatch(matches)) {
                    missing.add(what);
                }
            });
            assertEquals(Set.of(), missing, "not in the webhook's trace " + traceId + ": " + names(trace));
            // one tree: every span's parent is in the trace too, up to the webhook's request
            Set<String> ids = trace.stream().map(CollectedSpan::spanId).collect(Collectors.toSet());
            List<String> orphans = trace.stream().filter(s -> !s.spanId().equals(webhook.spanId())
                    && !ids.contains(s.parentSpanId())).map(s -> s.service() + " " + s.name()).toList();
            assertEquals(List.of(), orphans, "spans whose parent is not in the trace");
            assertEquals(Set.of("stagecraft-gateway", "stagecraft-build", "stagecraft-setup"),
                    trace.stream().map(CollectedSpan::service).collect(Collectors.toCollection(TreeSet::new)));
        });
    }

    private static boolean gateway(CollectedSpan span) {
        return in(span, "gateway");
    }

    private static boolean in(CollectedSpan span, String service) {
        return span.service().equals("stagecraft-" + service);
    }

    private static String kindOf(CollectedSpan span) {
        return span.kind().replace("SPAN_KIND_", "");
    }

    private static String names(List<CollectedSpan> trace) {
        return trace.stream().map(s -> s.service().replace("stagecraft-", "") + ":" + s.name())
                .collect(Collectors.joining(", "));
    }
}

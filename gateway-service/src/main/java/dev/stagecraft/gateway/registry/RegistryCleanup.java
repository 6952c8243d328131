package dev.stagecraft.gateway.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.stagecraft.gateway.environments.Environment;
import dev.stagecraft.gateway.environments.EnvironmentState;
import dev.stagecraft.gateway.environments.Workflow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Deletes image tags from the registry that nothing uses any more, through the registry's API
 * ({@code DELETE /v2/<repository>/manifests/<digest>}; the registry's own garbage collection then frees the blobs,
 * which {@code registry_start} runs before the registry starts). A tag in {@code stagecraft/...} goes when:
 * no environment that is not deleted runs it; no workflow that is running, or that started within the grace period,
 * names it; its image was built before the grace period; no other tag that stays shares its manifest; and no build
 * of its application is running (a build may be about to reuse it). The grace period
 * ({@code stagecraft.registry.grace}) should be at least twice the workflow deadline (a warning says so at start
 * otherwise), so no workflow can still come to use a tag it deletes.
 */
@ApplicationScoped
public class RegistryCleanup {

    private static final Logger LOG = Logger.getLogger(RegistryCleanup.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ", "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.index.v1+json");
    private static final String PREFIX = "stagecraft/";

    @ConfigProperty(name = "stagecraft.registry.address")
    Optional<String> address;

    @ConfigProperty(name = "stagecraft.registry.scheme", defaultValue = "http")
    String scheme;

    @ConfigProperty(name = "stagecraft.registry.grace", defaultValue = "PT2H")
    Duration grace;

    @ConfigProperty(name = "stagecraft.workflow.deadline")
    Duration deadline;

    @Inject
    EntityManager em;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What one run did. */
    public record Result(List<String> deleted, int kept) {
    }

    void warnAboutAShortGrace(@Observes StartupEvent event) {
        if (address.isPresent() && !address.get().isBlank() && grace.compareTo(deadline.multipliedBy(2)) < 0) {
            LOG.warnf("stagecraft.registry.grace (%s) is shorter than twice the workflow deadline (%s): a workflow that"
                    + " is still running may lose an image it is about to use", grace, deadline);
        }
    }

    @Scheduled(every = "${stagecraft.registry.gc-every:1h}", delayed = "${stagecraft.registry.gc-first-after:10m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (address.isEmpty() || address.get().isBlank()) {
            return;
        }
        try {
            Result result = run(OffsetDateTime.now());
            if (!result.deleted().isEmpty()) {
                LOG.infof("registry clean-up deleted %d unused tags, kept %d: %s", result.deleted().size(),
                        result.kept(), result.deleted());
            }
        } catch (RuntimeException e) {
            LOG.warnf("registry clean-up did not run to the end: %s", e.getMessage());
        }
    }

    /** One clean-up as of {@code now}. */
    public Result run(OffsetDateTime now) {
        OffsetDateTime cutoff = now.minus(grace);
        Set<String> inUse = new HashSet<>();
        Set<String> building = new HashSet<>();
        QuarkusTransaction.requiringNew().run(() -> {
            for (Environment env : Environment.<Environment>list("state <> ?1", EnvironmentState.DELETED)) {
                inUse.addAll(env.images().values());
            }
            for (Workflow wf : Workflow.<Workflow>list("finishedAt is null or startedAt > ?1", cutoff)) {
                inUse.addAll(wf.images().values());
            }
            @SuppressWarnings("unchecked")
            List<String> apps = em.createNativeQuery("select distinct a.name from workflow w join environment e on"
                    + " e.id = w.environment_id join application a on a.id = e.application_id where w.stage = 'BUILD'"
                    + " and w.finished_at is null").getResultList();
            apps.forEach(a -> building.add(PREFIX + a + "/"));
        });
        List<String> deleted = new ArrayList<>();
        int kept = 0;
        for (String repository : catalog()) {
            if (!repository.startsWith(PREFIX) || building.stream().anyMatch(repository::startsWith)) {
                continue;
            }
            List<String> tags = tags(repository);
            Set<String> keepDigests = new HashSet<>();
            List<String> candidates = new ArrayList<>();
            for (String tag : tags) {
                if (inUse.contains(reference(repository, tag))) {
                    digest(repository, tag).ifPresent(keepDigests::add);
                    kept++;
                } else {
                    candidates.add(tag);
                }
            }
            for (String tag : candidates) {
                Optional<String> digest = digest(repository, tag);
                if (digest.isEmpty() || keepDigests.contains(digest.get())) {
                    kept++;
                    continue;
                }
                Optional<OffsetDateTime> built = built(repository, digest.get());
                if (built.isEmpty() || built.get().isAfter(cutoff)) {
                    kept++;
                    continue;
                }
                HttpResponse<String> answer = send("DELETE", "/v2/" + repository + "/manifests/" + digest.get());
                if (answer.statusCode() == 202 || answer.statusCode() == 404) {
                    deleted.add(reference(repository, tag));
                    keepDigests.add(digest.get()); // other tags of the same manifest went with it
                } else {
                    LOG.warnf("the registry kept %s: HTTP %d %s", reference(repository, tag), answer.statusCode(),
                            answer.body());
                }
            }
        }
        return new Result(deleted, kept);
    }

    private String reference(String repository, String tag) {
        return address.orElseThrow() + "/" + repository + ":" + tag;
    }

    private List<String> catalog() {
        List<String> repositories = new ArrayList<>();
        String next = "/v2/_catalog?n=1000";
        while (next != null) {
            HttpResponse<String> answer = send("GET", next);
            require(answer, "list its repositories");
            json(answer).path("repositories").forEach(r -> repositories.add(r.asText()));
            next = nextPage(answer);
        }
        return repositories;
    }

    private List<String> tags(String repository) {
        List<String> tags = new ArrayList<>();
        String next = "/v2/" + repository + "/tags/list?n=1000";
        while (next != null) {
            HttpResponse<String> answer = send("GET", next);
            if (answer.statusCode() == 404) {
                return tags;
            }
            require(answer, "list the tags of " + repository);
            json(answer).path("tags").forEach(t -> tags.add(t.asText()));
            next = nextPage(answer);
        }
        return tags;
    }

    private Optional<String> digest(String repository, String tag) {
        HttpResponse<String> answer = send("HEAD", "/v2/" + repository + "/manifests/"
                + URLEncoder.encode(tag, StandardCharsets.UTF_8));
        return answer.statusCode() == 200 ? answer.headers().firstValue("Docker-Content-Digest") : Optional.empty();
    }

    /** When the image of a manifest was built (its configuration's {@code created}); empty for an index. */
    private Optional<OffsetDateTime> built(String repository, String digest) {
        HttpResponse<String> manifest = send("GET", "/v2/" + repository + "/manifests/" + digest);
        if (manifest.statusCode() != 200) {
            return Optional.empty();
        }
        String config = json(manifest).path("config").path("digest").asText(null);
        if (config == null) {
            return Optional.empty();
        }
        HttpResponse<String> blob = send("GET", "/v2/" + repository + "/blobs/" + config);
        if (blob.statusCode() != 200) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(json(blob).path("created").asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static String nextPage(HttpResponse<String> answer) {
        return answer.headers().firstValue("Link").map(link -> link.substring(link.indexOf('<') + 1, link.indexOf('>')))
                .orElse(null);
    }

    private HttpResponse<String> send(String method, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(scheme + "://" + address.orElseThrow() + path))
                .timeout(Duration.ofSeconds(30)).header("Accept", ACCEPT)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("the registry at " + address.get() + " did not answer " + method + " "
                    + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to the registry");
        }
    }

    private static void require(HttpResponse<String> answer, String what) {
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("the registry did not " + what + ": HTTP " + answer.statusCode() + " "
                    + answer.body());
        }
    }

    private static JsonNode json(HttpResponse<String> answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new IllegalStateException("the registry answered something that is not JSON: " + answer.body());
        }
    }
}

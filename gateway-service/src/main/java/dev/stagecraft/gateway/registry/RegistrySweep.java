package dev.stagecraft.gateway.registry;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.stagecraft.events.registry.RegistryAddress;
import dev.stagecraft.events.registry.RegistryApi;

/**
 * One pass of the registry clean-up over the registry's API, given what the database says is in use: the tags under
 * {@code <path>/stagecraft/} that go by {@link RegistryCleanup}'s rules are deleted. No database here, and no
 * transaction is open while it talks to the registry.
 */
final class RegistrySweep {

    private static final Logger LOG = Logger.getLogger(RegistrySweep.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryApi api;
    private final RegistryAddress address;

    RegistrySweep(RegistryApi api) {
        this.api = api;
        this.address = api.address();
    }

    /**
     * Deletes the tags that no reference in {@code inUse} names, that were built before {@code cutoff}, that share
     * no manifest with a tag that stays, and that belong to no application in {@code building}.
     */
    RegistryCleanup.Result run(Set<String> inUse, Set<String> building, OffsetDateTime cutoff) {
        String ours = address.repository("stagecraft/");
        List<String> buildingPrefixes = building.stream().map(a -> ours + a + "/").toList();
        List<String> deleted = new ArrayList<>();
        int kept = 0;
        for (String repository : catalog()) {
            if (!repository.startsWith(ours) || buildingPrefixes.stream().anyMatch(repository::startsWith)) {
                continue;
            }
            Set<String> keepDigests = new HashSet<>();
            List<String> candidates = new ArrayList<>();
            for (String tag : tags(repository)) {
                if (inUse.contains(address.reference(repository, tag))) {
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
                    deleted.add(address.reference(repository, tag));
                    keepDigests.add(digest.get()); // other tags of the same manifest went with it
                } else {
                    LOG.warnf("the registry kept %s: HTTP %d %s%s", address.reference(repository, tag),
                            answer.statusCode(), answer.body(), loginHint(answer));
                }
            }
        }
        return new RegistryCleanup.Result(deleted, kept);
    }

    private List<String> catalog() {
        List<String> repositories = new ArrayList<>();
        String next = "/v2/_catalog?n=1000";
        while (next != null) {
            HttpResponse<String> answer = send("GET", next);
            require(answer, "list its repositories (a registry without the catalog API cannot be cleaned up by"
                    + " Stagecraft: set STAGECRAFT_REGISTRY_GC_EVERY=off and use its own retention rules)");
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
        try {
            return api.send(method, path);
        } catch (IOException e) {
            throw new IllegalStateException("talking to the registry at " + address + " (" + method + " " + path
                    + ") failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while talking to the registry");
        }
    }

    private void require(HttpResponse<String> answer, String what) {
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("the registry did not " + what + ": HTTP " + answer.statusCode() + " "
                    + answer.body() + loginHint(answer));
        }
    }

    /** What to check when the registry wanted a login it did not get, or refused what the login may do. */
    private String loginHint(HttpResponse<String> answer) {
        return answer.statusCode() == 401 || answer.statusCode() == 403 ? " (the login comes from"
                + " STAGECRAFT_REGISTRY_AUTH_FILE and must be allowed to list, read and delete the repositories under "
                + address.repository("stagecraft/") + ")" : "";
    }

    private static JsonNode json(HttpResponse<String> answer) {
        try {
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            throw new IllegalStateException("the registry answered something that is not JSON: " + answer.body());
        }
    }
}

package dev.stagecraft.gateway.registry;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.core.Link;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.stagecraft.registry.RegistryAddress;
import dev.stagecraft.registry.RegistryCalls;

/**
 * One pass of the registry clean-up over the registry's API ({@link RegistryCalls}), given what the database says is
 * in use: the tags under {@code <path>/stagecraft/} that go by {@link RegistryCleanup}'s rules are deleted. No
 * database here, and no transaction is open while it talks to the registry.
 */
final class RegistrySweep {

    private static final Logger LOG = Logger.getLogger(RegistrySweep.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryCalls api;
    private final RegistryAddress address;

    RegistrySweep(RegistryCalls api) {
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
                Response answer = api.deleteManifest(repository, digest.get());
                if (answer.getStatus() == 202 || answer.getStatus() == 404) {
                    deleted.add(address.reference(repository, tag));
                    keepDigests.add(digest.get()); // other tags of the same manifest went with it
                } else {
                    LOG.warnf("the registry kept %s: HTTP %d %s%s", address.reference(repository, tag),
                            answer.getStatus(), body(answer), loginHint(answer));
                }
            }
        }
        return new RegistryCleanup.Result(deleted, kept);
    }

    private List<String> catalog() {
        List<String> repositories = new ArrayList<>();
        String last = null;
        do {
            Response answer = api.catalog(last);
            require(answer, "list its repositories (a registry without the catalog API cannot be cleaned up by"
                    + " Stagecraft: set STAGECRAFT_REGISTRY_GC_EVERY=off and use its own retention rules)");
            json(answer).path("repositories").forEach(r -> repositories.add(r.asText()));
            last = nextPage(answer);
        } while (last != null);
        return repositories;
    }

    private List<String> tags(String repository) {
        List<String> tags = new ArrayList<>();
        String last = null;
        do {
            Response answer = api.tags(repository, last);
            if (answer.getStatus() == 404) {
                return tags;
            }
            require(answer, "list the tags of " + repository);
            json(answer).path("tags").forEach(t -> tags.add(t.asText()));
            last = nextPage(answer);
        } while (last != null);
        return tags;
    }

    private Optional<String> digest(String repository, String tag) {
        Response answer = api.manifestHead(repository, tag);
        return answer.getStatus() == 200 ? Optional.ofNullable(answer.getHeaderString("Docker-Content-Digest"))
                : Optional.empty();
    }

    /** When the image of a manifest was built (its configuration's {@code created}); empty for an index. */
    private Optional<OffsetDateTime> built(String repository, String digest) {
        Response manifest = api.manifest(repository, digest);
        if (manifest.getStatus() != 200) {
            return Optional.empty();
        }
        String config = json(manifest).path("config").path("digest").asText(null);
        if (config == null) {
            return Optional.empty();
        }
        Response blob = api.blob(repository, config);
        if (blob.getStatus() != 200) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(json(blob).path("created").asText()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The {@code last} of the next page a {@code Link: <...?last=...>; rel="next"} names; null on the last page. */
    private static String nextPage(Response answer) {
        Link next = answer.getLink("next");
        if (next == null || next.getUri().getRawQuery() == null) {
            return null;
        }
        for (String parameter : next.getUri().getRawQuery().split("&")) {
            if (parameter.startsWith("last=")) {
                return URLDecoder.decode(parameter.substring(5), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private void require(Response answer, String what) {
        if (answer.getStatus() != 200) {
            throw new IllegalStateException("the registry did not " + what + ": HTTP " + answer.getStatus() + " "
                    + body(answer) + loginHint(answer));
        }
    }

    /** What to check when the registry wanted a login it did not get, or refused what the login may do. */
    private String loginHint(Response answer) {
        return answer.getStatus() == 401 || answer.getStatus() == 403 ? " (the login comes from"
                + " STAGECRAFT_REGISTRY_AUTH_FILE and must be allowed to list, read and delete the repositories under "
                + address.repository("stagecraft/") + ")" : "";
    }

    private static String body(Response answer) {
        return answer.hasEntity() ? answer.readEntity(String.class) : "";
    }

    /** The answer's body as JSON, whatever type the registry says it is (a manifest's, a blob's octet-stream). */
    private static JsonNode json(Response answer) {
        String body = body(answer);
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("the registry answered something that is not JSON: " + body);
        }
    }
}

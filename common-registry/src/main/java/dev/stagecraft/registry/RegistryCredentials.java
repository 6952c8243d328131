package dev.stagecraft.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A username and password for one registry, read from a Docker config file ({@code STAGECRAFT_REGISTRY_AUTH_FILE}):
 * a {@code ~/.docker/config.json}, or the {@code .dockerconfigjson} key of a Kubernetes Secret of type
 * {@code kubernetes.io/dockerconfigjson} mounted as a file. Its {@code auths} entry for the registry's host is used,
 * its key compared as the Docker CLI compares it (scheme and path left out).
 */
public record RegistryCredentials(String username, String password) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SETTING = "STAGECRAFT_REGISTRY_AUTH_FILE";

    /**
     * The credentials {@code file} holds for {@code host} ({@code host[:port]}).
     *
     * @throws IllegalStateException naming the file, the setting and what is wrong, when it cannot be read, is no
     *                               Docker config file or has no usable entry for {@code host}
     */
    public static RegistryCredentials fromDockerConfig(Path file, String host) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("the registry credentials file " + file + " (" + SETTING
                    + ") cannot be read: " + e);
        }
        return fromDockerConfig(json, host, file.toString());
    }

    /** The credentials the Docker config {@code json} (read from {@code origin}) holds for {@code host}. */
    public static RegistryCredentials fromDockerConfig(String json, String host, String origin) {
        String where = "the registry credentials file " + origin + " (" + SETTING + ")";
        JsonNode auths;
        try {
            auths = JSON.readTree(json).path("auths");
        } catch (IOException e) {
            auths = null;
        }
        if (auths == null || !auths.isObject()) {
            throw new IllegalStateException(where + " is not a Docker config file: expected {\"auths\": {\"<registry"
                    + " host>\": {\"username\": \"...\", \"password\": \"...\"}}}");
        }
        List<String> hosts = new ArrayList<>();
        JsonNode entry = null;
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) auths::fields) {
            String key = hostOf(e.getKey());
            hosts.add(key);
            if (entry == null && key.equals(host.toLowerCase(Locale.ROOT))) {
                entry = e.getValue();
            }
        }
        if (entry == null) {
            throw new IllegalStateException(where + " has no entry for " + host + "; it has entries for " + hosts);
        }
        String auth = entry.path("auth").asText("");
        if (!auth.isEmpty()) {
            String pair;
            try {
                pair = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                pair = "";
            }
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                throw new IllegalStateException(where + ": the \"auth\" of the entry for " + host + " is not the"
                        + " base64 of username:password");
            }
            return new RegistryCredentials(pair.substring(0, colon), pair.substring(colon + 1));
        }
        String username = entry.path("username").asText("");
        String password = entry.path("password").asText("");
        if (username.isEmpty() || password.isEmpty()) {
            throw new IllegalStateException(where + ": the entry for " + host + " has neither \"auth\" nor"
                    + " \"username\" and \"password\"");
        }
        return new RegistryCredentials(username, password);
    }

    /** {@code host[:port]} of an {@code auths} key such as {@code https://registry.example.com/v1/}. */
    static String hostOf(String key) {
        String host = key.trim().replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
        int slash = host.indexOf('/');
        return (slash < 0 ? host : host.substring(0, slash)).toLowerCase(Locale.ROOT);
    }

    /** The value of an {@code Authorization} header sending these credentials (HTTP Basic). */
    public String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The username only: the password never goes into a log line or a message. */
    @Override
    public String toString() {
        return "RegistryCredentials[username=" + username + "]";
    }
}

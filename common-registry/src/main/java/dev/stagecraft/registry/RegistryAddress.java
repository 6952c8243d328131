package dev.stagecraft.registry;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The image registry as {@code STAGECRAFT_REGISTRY} names it, {@code host[:port][/path]} (such as
 * {@code 127.0.0.1:5000}, {@code harbor.example.com/stagecraft} or {@code ghcr.io/acme}), shared by the build-service,
 * which pushes to it, and the gateway, which cleans it up. A repository {@code name} lives at {@code <path>/<name>} on
 * the registry and its images are {@code <host>/<path>/<name>:<tag>}. The registry API is reached over plain HTTP on a
 * loopback host and over HTTPS anywhere else, as a Docker engine does; {@code STAGECRAFT_REGISTRY_SCHEME} overrides
 * it.
 *
 * @param host   {@code host[:port]}, lower case
 * @param path   the repository path every image name is put under, without slashes at either end; empty for none
 * @param scheme {@code http} or {@code https}
 */
public record RegistryAddress(String host, String path, String scheme) {

    private static final Pattern HOST = Pattern.compile("([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
            + "[a-z0-9])?)*|\\[[0-9a-f:]+\\])(:[0-9]{1,5})?");
    /** A repository path component as image references allow it. */
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*");

    public RegistryAddress {
        path = path == null ? "" : path;
    }

    /**
     * The registry {@code address} names, reached with {@code scheme} ({@code http} or {@code https}; null or blank:
     * HTTP on loopback, HTTPS elsewhere); empty when {@code address} is null or blank.
     *
     * @throws IllegalArgumentException naming the setting and what it accepts, when either is not valid
     */
    public static Optional<RegistryAddress> parse(String address, String scheme) {
        if (address == null || address.isBlank()) {
            return Optional.empty();
        }
        String text = address.trim();
        String problem = "STAGECRAFT_REGISTRY '" + address + "' is not a registry address: expected host[:port][/path]"
                + " such as registry.example.com/stagecraft or 127.0.0.1:5000";
        if (text.contains("://")) {
            throw new IllegalArgumentException(problem + " (without a scheme: STAGECRAFT_REGISTRY_SCHEME sets it)");
        }
        int slash = text.indexOf('/');
        String host = (slash < 0 ? text : text.substring(0, slash)).toLowerCase(Locale.ROOT);
        String path = slash < 0 ? "" : text.substring(slash + 1).replaceAll("/+$", "");
        if (!HOST.matcher(host).matches()) {
            throw new IllegalArgumentException(problem);
        }
        if (!path.isEmpty()) {
            for (String component : path.split("/", -1)) {
                if (!COMPONENT.matcher(component).matches()) {
                    throw new IllegalArgumentException(problem + " (the path is lower-case letters, digits and"
                            + " separators . _ -, between slashes)");
                }
            }
        }
        String chosen = scheme == null || scheme.isBlank() ? (loopback(host) ? "http" : "https")
                : scheme.trim().toLowerCase(Locale.ROOT);
        if (!chosen.equals("http") && !chosen.equals("https")) {
            throw new IllegalArgumentException("STAGECRAFT_REGISTRY_SCHEME '" + scheme + "' is neither http nor https");
        }
        return Optional.of(new RegistryAddress(host, path, chosen));
    }

    private static boolean loopback(String host) {
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.replaceFirst(":[0-9]+$", "");
        return name.equals("localhost") || name.equals("[::1]") || name.matches("127(\\.[0-9]{1,3}){3}");
    }

    /** The registry's name for repository {@code name}: {@code <path>/<name>}. */
    public String repository(String name) {
        return path.isEmpty() ? name : path + "/" + name;
    }

    /** The image reference of {@code tag} in {@code repository} (a name as the registry knows it, path included). */
    public String reference(String repository, String tag) {
        return host + "/" + repository + ":" + tag;
    }

    /** The repository and tag of an image {@code reference} on this registry; empty for an image elsewhere. */
    public Optional<Tagged> tagged(String reference) {
        String prefix = host + "/" + (path.isEmpty() ? "" : path + "/");
        int colon = reference.lastIndexOf(':');
        if (!reference.startsWith(prefix) || colon < prefix.length() || reference.indexOf('/', colon) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new Tagged(reference.substring(host.length() + 1, colon), reference.substring(colon + 1)));
    }

    /** The address of {@code pathAndQuery} (starting with {@code /v2/}) on the registry's API. */
    public URI api(String pathAndQuery) {
        return URI.create(scheme + "://" + host + pathAndQuery);
    }

    /** {@code host[/path]}, as configured. */
    @Override
    public String toString() {
        return path.isEmpty() ? host : host + "/" + path;
    }

    /** An image's repository, as the registry knows it, and its tag. */
    public record Tagged(String repository, String tag) {
    }
}

package dev.stagecraft.infra;

/** The image registry builds push to in tests: the one {@code .ci/run} (deploy/local/lib.sh) starts. */
public final class ImageRegistry {

    private ImageRegistry() {
    }

    /**
     * Its {@code host:port}, from {@code STAGECRAFT_REGISTRY}.
     *
     * @throws IllegalStateException when {@code STAGECRAFT_REGISTRY} is unset
     */
    public static String address() {
        String registry = System.getenv("STAGECRAFT_REGISTRY");
        if (registry == null || registry.isBlank()) {
            throw new IllegalStateException("STAGECRAFT_REGISTRY names the image registry (.ci/run starts one)");
        }
        return registry;
    }
}

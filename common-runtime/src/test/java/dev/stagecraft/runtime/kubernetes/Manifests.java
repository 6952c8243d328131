package dev.stagecraft.runtime.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The manifests of deploy/kubernetes, read as Kubernetes objects. */
final class Manifests {

    static final Path DIR = Path.of("../deploy/kubernetes");

    private Manifests() {
    }

    static List<HasMetadata> load(KubernetesClient client) throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    all.addAll(client.load(in).items());
                }
            }
        }
        return all;
    }

    @SuppressWarnings("unchecked")
    static <T extends HasMetadata> List<T> of(List<HasMetadata> all, Class<T> type) {
        return all.stream().filter(type::isInstance).map(o -> (T) o).toList();
    }
}

package dev.stagecraft.events;

import java.util.List;
import java.util.Map;

/**
 * What one environment runs, resolved from the application's templates and frozen when the environment is created.
 * {@code variables} apply to every service; a service's own {@code envs} win over them.
 */
public record EnvironmentSpec(String application, List<ServiceSpec> services, Map<String, String> variables) {

    public EnvironmentSpec {
        services = services == null ? List.of() : List.copyOf(services);
        variables = variables == null ? Map.of() : Map.copyOf(variables);
    }

    /** One service: either built from {@code build} or run from {@code image}, listening on {@code port}. */
    public record ServiceSpec(String name, String image, BuildSpec build, int port, Map<String, String> envs) {

        public ServiceSpec {
            envs = envs == null ? Map.of() : Map.copyOf(envs);
        }
    }

    /** Where a service's image is built from: a directory of the repository and the Dockerfile in it. */
    public record BuildSpec(String context, String dockerfile) {
    }
}

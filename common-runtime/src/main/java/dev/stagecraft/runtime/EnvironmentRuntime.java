package dev.stagecraft.runtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.runtime.datasets.DatasetPools;

/**
 * Where environments run. Every operation converges: running it again with the same input changes nothing,
 * and everything it creates carries the labels in {@link Labels}.
 */
public interface EnvironmentRuntime {

    /**
     * Creates or converges every service of {@code spec} from {@code images} (service to image) and waits until each
     * answers. A container started now gets the commit variables of {@code commit} (may be null).
     */
    DeployResult setup(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener);

    /**
     * Replaces only the services whose image or configuration changed; leaves the others running untouched. The commit
     * variables of a service say the commit it was last started at, so they do not restart unchanged services.
     */
    DeployResult patch(String environmentId, EnvironmentSpec spec, Map<String, String> images, String commit,
            RuntimeListener listener);

    default DeployResult setup(String environmentId, EnvironmentSpec spec, Map<String, String> images,
            RuntimeListener listener) {
        return setup(environmentId, spec, images, null, listener);
    }

    default DeployResult patch(String environmentId, EnvironmentSpec spec, Map<String, String> images,
            RuntimeListener listener) {
        return patch(environmentId, spec, images, null, listener);
    }

    /**
     * Stops every service of the environment and keeps everything else: its network or namespace, volumes and claims,
     * configuration, images and spec. Docker: each service container is stopped (not removed) and its routes are taken
     * off the router; Kubernetes: each Deployment is scaled to 0, the replica count it had kept in an annotation.
     * Running it again on a paused environment changes nothing. Jobs are not run.
     */
    DeployResult pause(String environmentId, EnvironmentSpec spec, RuntimeListener listener);

    /**
     * A pause that is a sleep when {@code wakeUpstream} ({@code host:port} of the gateway's wake endpoint) is set: a
     * runtime with a router keeps the environment's host names routed to the wake endpoint, so the next request
     * resumes the environment and is then let through. A runtime that cannot hold requests pauses as usual.
     */
    default DeployResult pause(String environmentId, EnvironmentSpec spec, String wakeUpstream,
            RuntimeListener listener) {
        if (wakeUpstream != null) {
            listener.log("runtime", "this runtime cannot hold requests while an environment sleeps: it is paused,"
                    + " and a person or its schedule resumes it");
        }
        return pause(environmentId, spec, listener);
    }

    /**
     * Starts the services of a paused environment again exactly as they were (same images, same configuration, so the
     * same deployed commit), waits until each is ready, and publishes them again; the result's endpoints are the
     * same as after a setup. Running it on an environment that is not paused only checks that every service is ready.
     */
    DeployResult resume(String environmentId, EnvironmentSpec spec, RuntimeListener listener);

    /**
     * Runs the jobs of the spec's teardown workflow (a null spec: none), then removes everything labelled with the
     * environment and the given images nothing else uses, and proves it is gone; a failed job is reported and the
     * removal goes on.
     */
    TeardownResult teardown(String environmentId, EnvironmentSpec spec, List<String> images, RuntimeListener listener);

    /** Teardown without a spec: no teardown jobs, only the removal. */
    default TeardownResult teardown(String environmentId, List<String> images, RuntimeListener listener) {
        return teardown(environmentId, null, images, listener);
    }

    /**
     * The ids of every environment that has something Stagecraft created in this runtime now (found by the
     * managed-by and environment labels): the inventory reconciliation compares with the environments' states.
     */
    java.util.Set<String> environmentsWithResources();

    /** The outcome of setup, patch, pause or resume: endpoints per service and which services were (re)started. */
    record DeployResult(boolean succeeded, Map<String, String> endpoints, List<String> started, String failedTask,
            String reason) {

        public static DeployResult ok(Map<String, String> endpoints, List<String> started) {
            return new DeployResult(true, endpoints, started, null, null);
        }

        public static DeployResult failed(String task, String reason) {
            return new DeployResult(false, Map.of(), List.of(), task, reason);
        }
    }

    /** The outcome of teardown: what was removed, what was kept and why, and what is unexpectedly left. */
    record TeardownResult(List<String> removed, List<String> kept, List<String> leftovers) {

        public boolean clean() {
            return leftovers.isEmpty();
        }
    }

    /** The installation's datasets as this runtime keeps them; empty when it keeps none. */
    default Optional<DatasetPools> datasetPools() {
        return Optional.empty();
    }
}

package dev.stagecraft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;

/** A deployment with a runtime that records what it was asked and answers as told. */
class DeploymentTest {

    /** Records each call as "runtime operation environment commit" and answers {@code answer}. */
    private static final class Recording implements EnvironmentRuntime {
        final String name;
        final List<String> calls;
        final DeployResult answer;

        Recording(String name, List<String> calls, DeployResult answer) {
            this.name = name;
            this.calls = calls;
            this.answer = answer;
        }

        @Override
        public DeployResult setup(String environmentId, EnvironmentSpec spec, Map<String, String> images,
                String commit, RuntimeListener listener) {
            calls.add(name + " setup " + environmentId + " " + commit + " " + images);
            return answer;
        }

        @Override
        public DeployResult patch(String environmentId, EnvironmentSpec spec, Map<String, String> images,
                String commit, RuntimeListener listener) {
            calls.add(name + " patch " + environmentId + " " + commit + " " + images);
            return answer;
        }

        @Override
        public DeployResult pause(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeployResult resume(String environmentId, EnvironmentSpec spec, RuntimeListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TeardownResult teardown(String environmentId, EnvironmentSpec spec, List<String> images,
                RuntimeListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Set<String> environmentsWithResources() {
            return Set.of();
        }
    }

    private final List<String> calls = new ArrayList<>();

    private EnvironmentRuntime runtime(String name, DeployResult answer) {
        return new Recording(name == null ? "default" : name, calls, answer);
    }

    private static EnvironmentSpec spec(String runtime) {
        return new EnvironmentSpec("app", List.of(), Map.of()).withRuntime(runtime);
    }

    @Test
    void aSetupCallsTheSetupOfTheRuntimeItsSpecNamesAndSucceedsWithTheEndpoints() {
        DeployResult ok = DeployResult.ok(Map.of("web", "http://web-e1.localhost"), List.of("web"));
        Deployment<SetupRequested> setup = Deployment.setup(name -> runtime(name, ok));
        assertEquals(new SetupSucceeded("e1", "w1", Map.of("web", "http://web-e1.localhost")),
                setup.run(new SetupRequested("e1", "w1", "c0ffee", spec("kubernetes"), Map.of("web", "web:1")),
                        RuntimeListener.SILENT));
        assertEquals(List.of("kubernetes setup e1 c0ffee {web=web:1}"), calls);
    }

    @Test
    void aPatchCallsThePatchAndFailsNamingTheTaskTheRuntimeNamed() {
        DeployResult broken = DeployResult.failed("jobs.migrate", "exited with code 1");
        Deployment<PatchRequested> patch = Deployment.patch(name -> runtime(name, broken));
        assertEquals(new PatchFailed("e2", "w2", "jobs.migrate", "exited with code 1"),
                patch.run(new PatchRequested("e2", "w2", null, spec(null), Map.of()), RuntimeListener.SILENT));
        assertEquals(List.of("default patch e2 null {}"), calls, "no runtime named: the default one");
    }
}

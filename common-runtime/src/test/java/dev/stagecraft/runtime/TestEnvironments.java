package dev.stagecraft.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The environments a test class makes, named after its run (no two runs share one), torn down after each test. */
public final class TestEnvironments {

    private final String run;
    private final List<String> made = new ArrayList<>();

    /** Environments named {@code <prefix>-<run>-<name>}. */
    public TestEnvironments(String prefix) {
        this.run = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The id of the environment {@code name}, to be torn down by {@link #tearDown}. */
    public String named(String name) {
        String env = run + "-" + name;
        made.add(env);
        return env;
    }

    /** Tears down, on {@code runtime}, every environment named since the last call. */
    public void tearDown(EnvironmentRuntime runtime) {
        made.forEach(env -> runtime.teardown(env, List.of(), RuntimeListener.SILENT));
        made.clear();
    }
}

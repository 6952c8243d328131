package dev.stagecraft.teardown;

import java.util.List;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.events.TeardownFailed;
import dev.stagecraft.events.TeardownRequested;
import dev.stagecraft.events.TeardownStarted;
import dev.stagecraft.events.TeardownSucceeded;
import dev.stagecraft.messaging.stage.Stage;
import dev.stagecraft.runtime.EnvironmentRuntime.TeardownResult;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.Runtimes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The teardown stage: TeardownRequested removes everything labelled with the environment and its images, checks it
 * is gone, and ends in TeardownSucceeded, or TeardownFailed naming what is still there.
 */
@Singleton
public class TeardownStage {

    private static final String CLEAN = "clean";
    private static final String LEFTOVERS = "leftovers";

    @Produces
    @Singleton
    Stage<TeardownRequested> teardown(Runtimes runtimes, MeterRegistry registry) {
        // every series from the start, at 0: an alert on increase() sees the first leftover too
        runtimes.enabled().keySet().forEach(runtime -> List.of(CLEAN, LEFTOVERS)
                .forEach(result -> leakChecks(registry, runtime, result)));
        return new Stage<>(TeardownRequested.class, TeardownStarted::new, (request, control) -> {
            // teardown is never cancelled: it is what cancels everything else
            TeardownResult result = runtimes.of(request.runtime()).teardown(request.environmentId(), request.spec(),
                    request.images(), RuntimeListener.of(control::taskStarted, control::taskFinished, control::log,
                            () -> {
                            }));
            leakChecks(registry, runtimes.nameOf(request.runtime()), result.clean() ? CLEAN : LEFTOVERS).increment();
            if (!result.clean()) {
                return new TeardownFailed(request.environmentId(), request.workflowId(), "release.remove_environment",
                        "still present after removal: " + result.leftovers());
            }
            result.kept().forEach(k -> control.log("release.remove_environment", "kept " + k));
            return new TeardownSucceeded(request.environmentId(), request.workflowId(), result.removed());
        }, TeardownFailed::new);
    }

    /** {@code stagecraft_teardown_leak_checks_total{runtime, result}}. */
    private static Counter leakChecks(MeterRegistry registry, String runtime, String result) {
        return Counter.builder("stagecraft.teardown.leak.checks")
                .description("Checks after a teardown that nothing of the environment is left, by result")
                .tag("runtime", runtime).tag("result", result).register(registry);
    }
}

package dev.stagecraft.runtime;

import java.util.function.Function;

import dev.stagecraft.events.DeployRequested;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.PauseFailed;
import dev.stagecraft.events.PauseRequested;
import dev.stagecraft.events.PauseSucceeded;
import dev.stagecraft.events.ResumeFailed;
import dev.stagecraft.events.ResumeRequested;
import dev.stagecraft.events.ResumeSucceeded;
import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupSucceeded;
import dev.stagecraft.events.StageOutcome;
import dev.stagecraft.events.TaskListener;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;

/**
 * A setup, patch, pause or resume as a stage service's work: the runtime call the stage makes
 * ({@code EnvironmentRuntime::setup}, {@code ::patch}, {@code ::pause}, {@code ::resume}) on the runtime the request's spec names, and the outcome events its result becomes. What tells
 * a setup from a patch is the call, not a flag: {@link #setup} and {@link #patch} are the two. {@code runtimes} finds
 * a runtime by name ({@code Runtimes::of}: null is the default one).
 */
public record Deployment<C extends DeployRequested>(Function<String, EnvironmentRuntime> runtimes, Call<C> call,
        Success<C> succeeded, StageOutcome.Failure failed) {

    /** A deploy operation of {@link EnvironmentRuntime} for one request. */
    @FunctionalInterface
    public interface Call<C> {
        DeployResult run(EnvironmentRuntime runtime, C request, RuntimeListener listener);
    }

    /** The success event of a request from the runtime's result (its endpoints, what it started). */
    @FunctionalInterface
    public interface Success<C> {
        StageOutcome.Succeeded of(C request, DeployResult result);
    }

    /** A setup: converges the whole spec and succeeds with the endpoints. */
    public static Deployment<SetupRequested> setup(Function<String, EnvironmentRuntime> runtimes) {
        return new Deployment<>(runtimes, (runtime, request, listener) -> runtime.setup(request.environmentId(),
                request.spec(), request.images(), request.commit(), listener), (request, result) -> new SetupSucceeded(
                request.environmentId(), request.workflowId(), result.endpoints()), SetupFailed::new);
    }

    /** A patch: replaces what changed and succeeds with the endpoints and the services it started. */
    public static Deployment<PatchRequested> patch(Function<String, EnvironmentRuntime> runtimes) {
        return new Deployment<>(runtimes, (runtime, request, listener) -> runtime.patch(request.environmentId(),
                request.spec(), request.images(), request.commit(), listener), (request, result) -> new PatchSucceeded(
                request.environmentId(), request.workflowId(), result.endpoints(), result.started()),
                PatchFailed::new);
    }

    /** A pause: stops every service of the environment and keeps the rest; with a wake upstream, a sleep. */
    public static Deployment<PauseRequested> pause(Function<String, EnvironmentRuntime> runtimes) {
        return new Deployment<>(runtimes, (runtime, request, listener) -> runtime.pause(request.environmentId(),
                request.spec(), request.wakeUpstream(), listener), (request, result) -> new PauseSucceeded(
                        request.environmentId(), request.workflowId()), PauseFailed::new);
    }

    /** A resume: starts the paused services again as they were and succeeds with the endpoints. */
    public static Deployment<ResumeRequested> resume(Function<String, EnvironmentRuntime> runtimes) {
        return new Deployment<>(runtimes, (runtime, request, listener) -> runtime.resume(request.environmentId(),
                request.spec(), listener), (request, result) -> new ResumeSucceeded(request.environmentId(),
                        request.workflowId(), result.endpoints()), ResumeFailed::new);
    }

    /** Deploys {@code request}, reporting to {@code tasks}, and returns its outcome event. */
    public StageOutcome run(C request, TaskListener tasks) {
        EnvironmentRuntime runtime = runtimes.apply(request.spec().runtime());
        DeployResult result = call.run(runtime, request, RuntimeListener.of(tasks));
        return result.succeeded() ? succeeded.of(request, result)
                : failed.of(request.environmentId(), request.workflowId(), result.failedTask(), result.reason());
    }
}

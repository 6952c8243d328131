package dev.stagecraft.patch;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.PauseFailed;
import dev.stagecraft.events.PauseRequested;
import dev.stagecraft.events.PauseStarted;
import dev.stagecraft.events.ResumeFailed;
import dev.stagecraft.events.ResumeRequested;
import dev.stagecraft.events.ResumeStarted;
import dev.stagecraft.messaging.stage.Stage;
import dev.stagecraft.runtime.Deployment;
import dev.stagecraft.runtime.Runtimes;

/**
 * The patch-service's stages, one per command its topic carries: PatchRequested replaces only the services whose
 * image or configuration changed and runs the patch workflow's jobs, leaving every other service (even one no longer
 * in the spec) untouched, and ends in PatchSucceeded naming the replaced services or PatchFailed naming the task;
 * PauseRequested stops every service of the environment and keeps the rest (PauseSucceeded or PauseFailed);
 * ResumeRequested starts them again as they were (ResumeSucceeded with the endpoints, or ResumeFailed).
 */
@Singleton
public class PatchStage {

    @Produces
    @Singleton
    Stage<PatchRequested> patch(Runtimes runtimes) {
        return new Stage<>(PatchRequested.class, PatchStarted::new, Deployment.patch(runtimes::of)::run,
                PatchFailed::new);
    }

    @Produces
    @Singleton
    Stage<PauseRequested> pause(Runtimes runtimes) {
        return new Stage<>(PauseRequested.class, PauseStarted::new, Deployment.pause(runtimes::of)::run,
                PauseFailed::new);
    }

    @Produces
    @Singleton
    Stage<ResumeRequested> resume(Runtimes runtimes) {
        return new Stage<>(ResumeRequested.class, ResumeStarted::new, Deployment.resume(runtimes::of)::run,
                ResumeFailed::new);
    }
}

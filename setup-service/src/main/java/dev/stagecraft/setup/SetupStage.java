package dev.stagecraft.setup;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.events.SetupFailed;
import dev.stagecraft.events.SetupRequested;
import dev.stagecraft.events.SetupStarted;
import dev.stagecraft.messaging.stage.Stage;
import dev.stagecraft.runtime.Deployment;
import dev.stagecraft.runtime.Runtimes;

/**
 * The setup stage: SetupRequested converges the environment to its whole spec on the runtime the spec names (creating
 * its network or namespace, removing services no longer in the spec), waits until every service answers, and ends in
 * SetupSucceeded with the endpoints or SetupFailed naming the task.
 */
@Singleton
public class SetupStage {

    @Produces
    @Singleton
    Stage<SetupRequested> setup(Runtimes runtimes) {
        return new Stage<>(SetupRequested.class, SetupStarted::new, Deployment.setup(runtimes::of)::run,
                SetupFailed::new);
    }
}

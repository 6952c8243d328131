package dev.stagecraft.events;

/**
 * How a stage's workflow ended: every stage service ends each run with exactly one of these. Whether it is a success
 * or a failure is its type ({@link Succeeded} or {@link Failed}), never its name; the interfaces add no field, so the
 * JSON of an outcome is its record's components alone.
 */
public sealed interface StageOutcome extends LifecycleEvent permits StageOutcome.Succeeded, StageOutcome.Failed {

    /** The stage did its work: BuildCompleted, SetupSucceeded, PatchSucceeded, TeardownSucceeded. */
    sealed interface Succeeded extends StageOutcome
            permits BuildCompleted, SetupSucceeded, PatchSucceeded, PauseSucceeded, ResumeSucceeded,
            TeardownSucceeded {
    }

    /** The stage stopped without doing its work, for {@link #reason()}. */
    sealed interface Failed extends StageOutcome permits BuildFailed, SetupFailed, PatchFailed, PauseFailed, ResumeFailed,
            TeardownFailed {

        /** Why, in words a user can act on. */
        String reason();
    }

    /** Makes a stage's failure event (e.g. SetupFailed::new). */
    @FunctionalInterface
    interface Failure {

        /** The failure of {@code workflowId} on {@code environmentId} at {@code task} (null: none had started). */
        Failed of(String environmentId, String workflowId, String task, String reason);
    }
}

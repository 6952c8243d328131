package dev.stagecraft.events;

/** A fact published on {@link Topics#LIFECYCLE} (or {@link Topics#LOGS} for log lines). */
public sealed interface LifecycleEvent extends StagecraftMessage
        permits BuildStarted, SetupStarted, PatchStarted, PauseStarted, ResumeStarted, TeardownStarted, StageOutcome,
        TaskStarted, TaskFinished, EnvironmentCreated, EnvironmentReady, EnvironmentFailed, EnvironmentDeleted,
        EnvironmentPaused, EnvironmentResumed, EnvironmentQueued, EnvironmentEvicted,
        EnvironmentActionRejected, RuntimeInventoried, DatasetPoolsReported, MessageUndeliverable, WorkflowProgressed,
        LogLine {
}

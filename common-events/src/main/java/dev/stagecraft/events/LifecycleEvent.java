package dev.stagecraft.events;

/** A fact published on {@link Topics#LIFECYCLE} (or {@link Topics#LOGS} for log lines). */
public sealed interface LifecycleEvent extends StagecraftMessage
        permits BuildStarted, BuildCompleted, BuildFailed, SetupStarted, SetupSucceeded, SetupFailed,
        PatchStarted, PatchSucceeded, PatchFailed, TeardownStarted, TeardownSucceeded, TeardownFailed,
        TaskStarted, TaskFinished, EnvironmentCreated, EnvironmentReady, EnvironmentFailed, EnvironmentDeleted,
        EnvironmentActionRejected, RuntimeInventoried, MessageUndeliverable, WorkflowProgressed, LogLine {
}

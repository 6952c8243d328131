package dev.stagecraft.events;

/** A request for work on one environment: for a stage service, or (from the internal UI) for the gateway. */
public sealed interface Command extends StagecraftMessage
        permits BuildRequested, DeployRequested, TeardownRequested, CancelRequested,
        EnvironmentActionRequested {
}

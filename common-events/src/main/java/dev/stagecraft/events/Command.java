package dev.stagecraft.events;

/** A request for a stage service to do work on one environment. */
public sealed interface Command extends StagecraftMessage
        permits BuildRequested, SetupRequested, PatchRequested, TeardownRequested, CancelRequested {
}

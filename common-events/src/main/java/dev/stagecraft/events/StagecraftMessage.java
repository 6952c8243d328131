package dev.stagecraft.events;

/** A command or event of the Stagecraft contract; every one concerns one environment and, mostly, one workflow. */
public sealed interface StagecraftMessage permits Command, LifecycleEvent {

    String environmentId();

    /** The workflow run this message belongs to; null for messages about the environment as a whole. */
    String workflowId();
}

package dev.stagecraft.events;

import java.util.Map;

/**
 * A command that deploys a spec into an environment: SetupRequested (the whole spec) or PatchRequested (what changed).
 * It adds no field: each is still its record's components on the wire.
 */
public sealed interface DeployRequested extends Command permits SetupRequested, PatchRequested {

    /** The commit the images were built from; the runtime gives it to the containers it starts (may be null). */
    String commit();

    EnvironmentSpec spec();

    /** Service name to image. */
    Map<String, String> images();
}

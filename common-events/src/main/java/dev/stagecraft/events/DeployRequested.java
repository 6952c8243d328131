package dev.stagecraft.events;

import java.util.Map;

/**
 * A command that acts on the spec deployed in an environment: SetupRequested (the whole spec), PatchRequested (what
 * changed), PauseRequested (stop its services) or ResumeRequested (start them again as they were). It adds no field:
 * each is still its record's components on the wire.
 */
public sealed interface DeployRequested extends Command permits SetupRequested, PatchRequested, PauseRequested,
        ResumeRequested {

    /** The commit the images were built from; the runtime gives it to the containers it starts (may be null). */
    String commit();

    EnvironmentSpec spec();

    /** Service name to image. */
    Map<String, String> images();
}

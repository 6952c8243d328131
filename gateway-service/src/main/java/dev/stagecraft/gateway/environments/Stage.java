package dev.stagecraft.gateway.environments;

import dev.stagecraft.events.Topics;

/**
 * The stages a workflow can run, with the command topic of the service that runs it: the patch-service also pauses
 * and resumes environments.
 */
public enum Stage {
    BUILD(Topics.BUILD_COMMANDS), SETUP(Topics.SETUP_COMMANDS), PATCH(Topics.PATCH_COMMANDS),
    PAUSE(Topics.PATCH_COMMANDS), RESUME(Topics.PATCH_COMMANDS), TEARDOWN(Topics.TEARDOWN_COMMANDS);

    private final String commandTopic;

    Stage(String commandTopic) {
        this.commandTopic = commandTopic;
    }

    public String commandTopic() {
        return commandTopic;
    }
}

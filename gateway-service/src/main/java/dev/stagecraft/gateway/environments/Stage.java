package dev.stagecraft.gateway.environments;

import dev.stagecraft.events.Topics;

/** The four stages a workflow can run, with the command topic of the service that runs it. */
public enum Stage {
    BUILD(Topics.BUILD_COMMANDS), SETUP(Topics.SETUP_COMMANDS), PATCH(Topics.PATCH_COMMANDS),
    TEARDOWN(Topics.TEARDOWN_COMMANDS);

    private final String commandTopic;

    Stage(String commandTopic) {
        this.commandTopic = commandTopic;
    }

    public String commandTopic() {
        return commandTopic;
    }
}

package dev.stagecraft.events;

import java.util.List;

/** Kafka topic names of the Stagecraft contract. Records are keyed by environment id. */
public final class Topics {

    public static final String BUILD_COMMANDS = "stagecraft.build.commands";
    public static final String SETUP_COMMANDS = "stagecraft.setup.commands";
    public static final String PATCH_COMMANDS = "stagecraft.patch.commands";
    public static final String TEARDOWN_COMMANDS = "stagecraft.teardown.commands";
    public static final String LIFECYCLE = "stagecraft.lifecycle";
    public static final String LOGS = "stagecraft.logs";
    public static final String UI_COMMANDS = "stagecraft.ui.commands";
    public static final String DLQ_SUFFIX = ".dlq";

    /** Every topic of the contract, dead-letter topics excluded. */
    public static final List<String> ALL = List.of(BUILD_COMMANDS, SETUP_COMMANDS, PATCH_COMMANDS, TEARDOWN_COMMANDS,
            LIFECYCLE, LOGS, UI_COMMANDS);

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DLQ_SUFFIX;
    }
}

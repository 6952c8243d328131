package dev.stagecraft.messaging;

import java.util.HashMap;
import java.util.Map;

import dev.stagecraft.infra.TestConfigs;

/** The {@link MessagingConfig} of a test that makes its beans by hand: the defaults, with some settings changed. */
public final class MessagingConfigs {

    private MessagingConfigs() {
    }

    /** {@code settings}: property names ({@code stagecraft.stage.lease}) to values, as in application.properties. */
    public static MessagingConfig with(Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(Map.of("stagecraft.service-name", "test", "stagecraft.instance-id",
                "test"));
        values.putAll(settings);
        return TestConfigs.mapping(MessagingConfig.class, values);
    }
}

package dev.stagecraft.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Which consumer groups a service reports the lag of. */
class ConsumerLagMetricsTest {

    @Test
    void theGroupsOfChannelsThatCommitEachWithItsTopic() {
        var config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(Map.of(
                "mp.messaging.incoming.lifecycle.topic", "stagecraft.lifecycle",
                "mp.messaging.incoming.lifecycle.group.id", "stagecraft-gateway",
                "mp.messaging.incoming.lifecycle$1.group.instance.id", "gateway-1-lifecycle-1",
                // a stream read from now on commits nothing: its lag would always read 0
                "mp.messaging.incoming.lifecycle-stream.topic", "stagecraft.lifecycle",
                "mp.messaging.incoming.lifecycle-stream.group.id", "stagecraft-gateway-stream-1234",
                "mp.messaging.incoming.lifecycle-stream.commit-strategy", "ignore",
                "mp.messaging.incoming.off.topic", "stagecraft.logs",
                "mp.messaging.incoming.off.group.id", "stagecraft-off",
                "mp.messaging.incoming.off.enabled", "false",
                "mp.messaging.incoming.no-topic.group.id", "stagecraft-no-topic"), "test", 100)).build();
        assertEquals(Map.of("stagecraft-gateway", "stagecraft.lifecycle"), ConsumerLagMetrics.groups(config));
    }
}

package dev.stagecraft.gateway.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A flood of refused deliveries is counted one by one and logged once a minute per provider and reason. */
class RefusedDeliveriesTest {

    @Test
    void everyRefusalIsCountedAndEachKindLoggedOnceAMinute() {
        RefusedDeliveries refused = new RefusedDeliveries();
        refused.registry = new SimpleMeterRegistry();
        int logged = 0;
        for (int i = 0; i < 1000; i++) {
            logged += refused.refused("github", RefusedDeliveries.BAD_SIGNATURE, "delivery " + i) ? 1 : 0;
        }
        assertEquals(1, logged, "one log line for a thousand bad signatures within the minute");
        assertTrue(refused.refused("github", RefusedDeliveries.UNKNOWN_REPOSITORY, "x"), "another reason logs");
        assertTrue(refused.refused("gitlab", RefusedDeliveries.BAD_SIGNATURE, "x"), "another provider logs");
        assertFalse(refused.refused("gitlab", RefusedDeliveries.BAD_SIGNATURE, "y"));
        assertEquals(1000.0, refused.registry.get("stagecraft.webhook.refused").tag("provider", "github")
                .tag("reason", RefusedDeliveries.BAD_SIGNATURE).counter().count());
        assertEquals(2.0, refused.registry.get("stagecraft.webhook.refused").tag("provider", "gitlab").counter()
                .count());
    }
}

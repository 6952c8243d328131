package dev.stagecraft.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.LaunchMode;

class SecretsProducerTest {

    @Test
    void withoutAKeyAServiceRefusesToStartNamingTheVariable() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> SecretsProducer.box(Optional.empty(), List.of(), LaunchMode.NORMAL));
        assertTrue(refused.getMessage().startsWith("STAGECRAFT_SECRETS_KEY is not set"), refused.getMessage());
        assertThrows(IllegalStateException.class, () -> SecretsProducer.box(Optional.of(" "), List.of(),
                LaunchMode.NORMAL));
    }

    @Test
    void testAndDevProfilesUseTheDevelopmentKeyAndAGivenKeyIsUsedEverywhere() {
        String dev = SecretsProducer.box(Optional.empty(), List.of(), LaunchMode.TEST).seal("x");
        assertEquals("x", SecretsProducer.box(Optional.of(SecretsProducer.DEVELOPMENT_KEY), List.of(),
                LaunchMode.NORMAL).open(dev));
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        String sealed = SecretsProducer.box(Optional.of(key), List.of(), LaunchMode.NORMAL).seal("y");
        assertEquals("y", SecretsProducer.box(Optional.of(SecretsProducer.DEVELOPMENT_KEY), List.of(key),
                LaunchMode.NORMAL).open(sealed), "a previous key opens what it sealed");
    }

    /** The build-service runs without the key: its box opens nothing sealed with the installation's key. */
    @Test
    void aServiceThatNeedsNoKeyStartsWithoutOneAndOpensNothing() {
        String sealed = SecretsProducer.box(Optional.of(SecretsProducer.DEVELOPMENT_KEY), List.of(), LaunchMode.NORMAL)
                .seal("z");
        var keyless = SecretsProducer.box(Optional.empty(), List.of(), LaunchMode.NORMAL, false);
        assertThrows(IllegalStateException.class, () -> keyless.open(sealed));
    }
}

package dev.stagecraft.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.secrets.SecretBox;

class SecretBoxTest {

    private static final SecretBox BOX = SecretBox.fromBase64(Base64.getEncoder().encodeToString(new byte[32]));

    @Test
    void sealedValuesOpenAndDoNotShowTheSecret() {
        String sealed = BOX.seal("s3cret-password");
        assertTrue(sealed.startsWith(SecretBox.PREFIX));
        assertFalse(sealed.contains("s3cret"));
        assertEquals("s3cret-password", BOX.open(sealed));
        assertEquals(sealed, BOX.seal("s3cret-password"), "sealing is stable, so spec hashes are");
        assertNotEquals(sealed, BOX.seal("other"));
        assertEquals(sealed, BOX.seal(sealed), "a sealed value is not sealed twice");
    }

    @Test
    void anotherKeyOrATamperedValueIsRefused() {
        String sealed = BOX.seal("value");
        byte[] other = new byte[32];
        other[0] = 1;
        SecretBox otherBox = SecretBox.fromBase64(Base64.getEncoder().encodeToString(other));
        assertThrows(IllegalStateException.class, () -> otherBox.open(sealed));
        String tampered = sealed.substring(0, sealed.length() - 4) + "AAAA";
        assertThrows(IllegalStateException.class, () -> BOX.open(tampered));
        assertThrows(IllegalArgumentException.class, () -> SecretBox.fromBase64("c2hvcnQ="));
    }
}

package dev.stagecraft.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.secrets.SecretBox;

class SecretBoxTest {

    private static final String KEY = key(0);
    private static final String NEW_KEY = key(7);
    private static final SecretBox BOX = SecretBox.fromBase64(KEY);

    private static String key(int first) {
        byte[] key = new byte[32];
        key[0] = (byte) first;
        return Base64.getEncoder().encodeToString(key);
    }

    @Test
    void sealedValuesOpenAndDoNotShowTheSecret() {
        String sealed = BOX.seal("s3cret-password");
        assertTrue(sealed.startsWith("enc:v2:" + BOX.keyId() + ":"), sealed);
        assertFalse(sealed.contains("s3cret"));
        assertEquals("s3cret-password", BOX.open(sealed));
        assertEquals(sealed, BOX.seal(sealed), "a sealed value is not sealed twice");
    }

    @Test
    void noncesAreRandomSoEqualValuesDoNotLookEqual() {
        String a = BOX.seal("same value");
        String b = BOX.seal("same value");
        assertNotEquals(a, b);
        assertEquals(BOX.open(a), BOX.open(b));
        byte[] nonceA = Arrays.copyOf(Base64.getDecoder().decode(a.substring(a.lastIndexOf(':') + 1)), 12);
        byte[] nonceB = Arrays.copyOf(Base64.getDecoder().decode(b.substring(b.lastIndexOf(':') + 1)), 12);
        assertFalse(Arrays.equals(nonceA, nonceB));
    }

    @Test
    void anotherKeyOrATamperedValueIsRefused() {
        String sealed = BOX.seal("value");
        SecretBox otherBox = SecretBox.fromBase64(key(1));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> otherBox.open(sealed));
        assertTrue(refused.getMessage().contains(BOX.keyId()) && refused.getMessage()
                .contains("STAGECRAFT_SECRETS_PREVIOUS_KEYS"), refused.getMessage());
        String tampered = sealed.substring(0, sealed.length() - 4) + "AAAA";
        assertThrows(IllegalStateException.class, () -> BOX.open(tampered));
        String otherId = "enc:v2:" + otherBox.keyId() + sealed.substring(("enc:v2:" + BOX.keyId()).length());
        assertThrows(IllegalStateException.class, () -> SecretBox.fromBase64(KEY, List.of(key(1))).open(otherId),
                "the key id is authenticated: relabelling a value does not open it under another key");
        assertThrows(IllegalArgumentException.class, () -> SecretBox.fromBase64("c2hvcnQ="));
    }

    @Test
    void rotationOpensOldValuesAndResealsThemUnderTheNewKey() {
        String old = BOX.seal("db-password");
        SecretBox rotated = SecretBox.fromBase64(NEW_KEY, List.of(KEY));
        assertNotEquals(BOX.keyId(), rotated.keyId());
        assertEquals("db-password", rotated.open(old));
        assertTrue(rotated.needsResealing(old));
        String resealed = rotated.reseal(old);
        assertTrue(resealed.startsWith("enc:v2:" + rotated.keyId() + ":"));
        assertFalse(rotated.needsResealing(resealed));
        assertEquals("db-password", SecretBox.fromBase64(NEW_KEY).open(resealed), "the old key is no longer needed");
        assertThrows(IllegalStateException.class, () -> SecretBox.fromBase64(NEW_KEY).open(old));
        assertEquals("plain", rotated.reseal("plain"));

        String json = "{\"A\":\"" + old + "\",\"B\":\"clear\",\"C\":\"" + BOX.seal("two") + "\"}";
        String moved = rotated.resealAll(json);
        assertFalse(moved.contains(BOX.keyId() + ":"), moved);
        assertEquals(List.of("db-password", "two"), SecretBox.fromBase64(NEW_KEY).openAll(moved));
        assertTrue(moved.contains("\"B\":\"clear\""));
    }

    /** Values sealed in the first format (nonce derived from the value, no key id) still open, under any held key. */
    @Test
    void firstFormatStillOpens() throws Exception {
        byte[] key = Base64.getDecoder().decode(KEY);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] encryption = mac.doFinal("encryption".getBytes(StandardCharsets.UTF_8));
        byte[] nonce = new byte[12];
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(encryption, "AES"), new GCMParameterSpec(128, nonce));
        byte[] sealed = cipher.doFinal("legacy".getBytes(StandardCharsets.UTF_8));
        String v1 = "enc:v1:" + Base64.getEncoder().encodeToString(ByteBuffer.allocate(12 + sealed.length).put(nonce)
                .put(sealed).array());
        assertEquals("legacy", BOX.open(v1));
        SecretBox rotated = SecretBox.fromBase64(NEW_KEY, List.of(KEY));
        assertEquals("legacy", rotated.open(v1));
        assertTrue(rotated.needsResealing(v1));
        assertEquals("legacy", SecretBox.fromBase64(NEW_KEY).open(rotated.reseal(v1)));
    }
}

package dev.stagecraft.events.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secret values so they never travel or rest in clear text: AES-256-GCM, written {@code enc:v1:<base64>}.
 * The nonce is derived from the value (HMAC-SHA256 under a key derived from the same secret), so sealing a value twice
 * gives the same text: a frozen spec's hash does not change when nothing changed. The price is that equal secrets
 * are recognisable as equal, which is acceptable for configuration values.
 */
public final class SecretBox {

    public static final String PREFIX = "enc:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec encryption;
    private final SecretKeySpec nonceKey;

    private SecretBox(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a secrets key is 32 bytes (base64 of 32 random bytes); got " + key.length);
        }
        this.encryption = new SecretKeySpec(derive(key, "encryption"), "AES");
        this.nonceKey = new SecretKeySpec(derive(key, "nonce"), "HmacSHA256");
    }

    /** From the base64 text of a 32-byte key, e.g. the output of {@code head -c32 /dev/urandom | base64}. */
    public static SecretBox fromBase64(String key) {
        try {
            return new SecretBox(Base64.getDecoder().decode(key.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the secrets key is not base64 of 32 bytes: " + e.getMessage(), e);
        }
    }

    public static boolean isSealed(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    public String seal(String value) {
        if (value == null || isSealed(value)) {
            return value;
        }
        try {
            byte[] plain = value.getBytes(StandardCharsets.UTF_8);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(nonceKey);
            byte[] nonce = Arrays.copyOf(mac.doFinal(plain), NONCE_BYTES);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, encryption, new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(plain);
            return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(NONCE_BYTES + sealed.length)
                    .put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a secret", e);
        }
    }

    /** The clear value of a sealed text; a text without the prefix is returned as it is. */
    public String open(String value) {
        if (!isSealed(value)) {
            return value;
        }
        try {
            byte[] all = Base64.getDecoder().decode(value.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, encryption, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            return new String(cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("a sealed secret could not be opened: it was sealed with another key or is"
                    + " damaged", e);
        }
    }

    private static byte[] derive(byte[] key, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.stagecraft.events.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secret values so they never travel or rest in clear text: AES-256-GCM with a random nonce, written
 * {@code enc:v2:<key id>:<base64 of nonce and sealed bytes>}. The key id names the key that sealed the value, so keys
 * can be rotated: a box holds the current key, which seals, and any number of previous keys, which only open, and
 * {@link #reseal} moves a value to the current key. Values of the first format ({@code enc:v1:}, nonce derived from
 * the value, no key id) still open with whichever key sealed them.
 */
public final class SecretBox {

    /** What every sealed value starts with. */
    public static final String PREFIX = "enc:";
    private static final String V1 = "enc:v1:";
    private static final String V2 = "enc:v2:";
    /** A sealed value inside a larger text (a JSON spec): base64 never contains a quote, a comma or a space. */
    private static final Pattern SEALED = Pattern.compile("enc:v1:[A-Za-z0-9+/]+=*|enc:v2:[0-9a-f]{8}:[A-Za-z0-9+/]+=*");
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Key(String id, SecretKeySpec encryption) {
    }

    private final Key current;
    private final Map<String, Key> keys = new LinkedHashMap<>();

    private SecretBox(byte[] current, List<byte[]> previous) {
        this.current = key(current);
        keys.put(this.current.id(), this.current);
        for (byte[] key : previous) {
            Key k = key(key);
            keys.putIfAbsent(k.id(), k);
        }
    }

    /** From the base64 text of a 32-byte key, e.g. the output of {@code head -c32 /dev/urandom | base64}. */
    public static SecretBox fromBase64(String key) {
        return fromBase64(key, List.of());
    }

    /** The current key, which seals and opens, and previous keys, which only open what they sealed. */
    public static SecretBox fromBase64(String current, List<String> previous) {
        List<byte[]> older = new ArrayList<>();
        for (String key : previous) {
            if (key != null && !key.isBlank()) {
                older.add(decode(key));
            }
        }
        return new SecretBox(decode(current), older);
    }

    private static byte[] decode(String key) {
        try {
            return Base64.getDecoder().decode(key.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the secrets key is not base64 of 32 bytes: " + e.getMessage(), e);
        }
    }

    private static Key key(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("a secrets key is 32 bytes (base64 of 32 random bytes); got " + key.length);
        }
        String id = HexFormat.of().formatHex(derive(key, "key-id"), 0, 4);
        return new Key(id, new SecretKeySpec(derive(key, "encryption"), "AES"));
    }

    public static boolean isSealed(String value) {
        return value != null && (value.startsWith(V1) || value.startsWith(V2));
    }

    /** The id of the key that seals: 8 hex digits, written into every value it seals. */
    public String keyId() {
        return current.id();
    }

    public String seal(String value) {
        if (value == null || isSealed(value)) {
            return value;
        }
        try {
            byte[] plain = value.getBytes(StandardCharsets.UTF_8);
            byte[] nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, current.encryption(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(current.id().getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = cipher.doFinal(plain);
            return V2 + current.id() + ":" + Base64.getEncoder().encodeToString(
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a secret", e);
        }
    }

    /** The clear value of a sealed text; a text without the prefix is returned as it is. */
    public String open(String value) {
        if (!isSealed(value)) {
            return value;
        }
        if (value.startsWith(V2)) {
            int colon = value.indexOf(':', V2.length());
            String id = colon < 0 ? "" : value.substring(V2.length(), colon);
            Key key = keys.get(id);
            if (key == null) {
                throw new IllegalStateException("a sealed secret could not be opened: it was sealed with key " + id
                        + ", which is neither STAGECRAFT_SECRETS_KEY (" + current.id()
                        + ") nor one of STAGECRAFT_SECRETS_PREVIOUS_KEYS");
            }
            return decrypt(key, value.substring(colon + 1), id);
        }
        for (Key key : keys.values()) { // enc:v1: names no key
            try {
                return decrypt(key, value.substring(V1.length()), null);
            } catch (IllegalStateException wrongKey) {
                // the next key may be the one
            }
        }
        throw new IllegalStateException("a sealed secret could not be opened: it was sealed with another key or is"
                + " damaged");
    }

    /** Whether the value is sealed, and with a key other than the current one (or in the first format). */
    public boolean needsResealing(String value) {
        return isSealed(value) && !value.startsWith(V2 + current.id() + ":");
    }

    /** The value sealed with the current key; a value already sealed with it, or not sealed, is returned as it is. */
    public String reseal(String value) {
        return needsResealing(value) ? seal(open(value)) : value;
    }

    /** Every sealed value inside {@code text} (a JSON document) resealed with the current key. */
    public String resealAll(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = SEALED.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(reseal(m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The clear values of every sealed value inside {@code text}. */
    public List<String> openAll(String text) {
        List<String> values = new ArrayList<>();
        if (text != null) {
            Matcher m = SEALED.matcher(text);
            while (m.find()) {
                values.add(open(m.group()));
            }
        }
        return values;
    }

    private static String decrypt(Key key, String base64, String aad) {
        try {
            byte[] all = Base64.getDecoder().decode(base64);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.encryption(), new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            if (aad != null) {
                cipher.updateAAD(aad.getBytes(StandardCharsets.US_ASCII));
            }
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

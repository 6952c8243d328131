package dev.stagecraft.events.cloudevents;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.stagecraft.events.EnvironmentSpec;

/** A stable hash of an environment spec: its canonical JSON (map keys sorted), SHA-256, hex. */
public final class SpecHash {

    private SpecHash() {
    }

    public static String of(EnvironmentSpec spec) {
        return sha256(EventJson.write(spec));
    }

    /** SHA-256 of a text's UTF-8 bytes, hex. */
    public static String sha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.stagecraft.gateway.sleep;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.jboss.logging.Logger;

import dev.stagecraft.events.cloudevents.EventJson;

/**
 * The router's access log read as it grows: which host names had requests, and when the latest one was. Caddy writes
 * one JSON object per request ({@code ts} in seconds, {@code request.host}); each {@link #read} goes on from where the
 * last one stopped, up to the last complete line, and starts the file again from its beginning when the router rolled
 * it (another file, or a shorter one).
 */
public class RouterActivity {

    private static final Logger LOG = Logger.getLogger(RouterActivity.class);
    /** Read at most this much per call, so a large log is caught up with over several checks. */
    private static final int MAX_READ = 8 << 20;

    private final Path file;
    private Object fileKey;
    private long offset;

    public RouterActivity(Path file) {
        this.file = file;
    }

    /** Each host name (lower case, without port) that had requests since the last read, with its latest request. */
    public synchronized Map<String, Instant> read() {
        Map<String, Instant> latest = new HashMap<>();
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return latest; // no request yet
        } catch (IOException e) {
            LOG.warnf("the router's access log %s cannot be read: %s", file, e.getMessage());
            return latest;
        }
        Object key = attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
        if (!key.equals(fileKey) || attributes.size() < offset) {
            fileKey = key; // a new file: the router rolled the old one away
            offset = 0;
        }
        if (attributes.size() == offset) {
            return latest;
        }
        byte[] bytes;
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            in.seek(offset);
            bytes = new byte[(int) Math.min(MAX_READ, attributes.size() - offset)];
            in.readFully(bytes);
        } catch (IOException e) {
            LOG.warnf("the router's access log %s cannot be read: %s", file, e.getMessage());
            return latest;
        }
        int end = lastNewline(bytes);
        if (end < 0) {
            return latest; // a line still being written
        }
        offset += end + 1;
        for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
            request(line, latest);
        }
        return latest;
    }

    private static int lastNewline(byte[] bytes) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void request(String line, Map<String, Instant> latest) {
        if (line.isBlank()) {
            return;
        }
        JsonNode entry;
        try {
            entry = EventJson.mapper().readTree(line);
        } catch (IOException e) {
            return; // not an access log line
        }
        String host = host(entry.path("request").path("host").asText(""));
        double ts = entry.path("ts").asDouble(-1);
        if (host.isEmpty() || ts < 0) {
            return;
        }
        Instant at = Instant.ofEpochSecond((long) ts, (long) ((ts - Math.floor(ts)) * 1_000_000_000L));
        latest.merge(host, at, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** {@code Web-1.Localhost:8080} to {@code web-1.localhost}; an IPv6 literal keeps its brackets. */
    static String host(String hostHeader) {
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        if (colon > host.lastIndexOf(']')) {
            host = host.substring(0, colon);
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}

package dev.stagecraft.cli.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * An open Server-Sent Events stream, read event by event as the SSE specification parses it: {@code id},
 * {@code event} and {@code data} fields (several {@code data} lines joined by newlines), comments skipped, an event
 * ended by an empty line.
 */
public final class ServerSentEvents implements AutoCloseable {

    /** One event; {@code name} is the {@code event} field, "message" when the event names none. */
    public record Event(String id, String name, String data) {
    }

    private final InputStream body;
    private final BufferedReader reader;

    public ServerSentEvents(InputStream body) {
        this.body = body;
        this.reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next event, waiting for it; null when the stream ended. */
    public Event next() throws IOException {
        String id = null;
        String name = null;
        StringBuilder data = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(id, name == null ? "message" : name, data.toString());
                }
                id = null;
                name = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "id" -> id = value;
                case "event" -> name = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                    // retry and unknown fields: nothing this client needs
                }
            }
        }
        return null;
    }

    /** Ends the stream; a {@link #next} waiting in another thread returns or fails. */
    @Override
    public void close() throws IOException {
        // the body itself: closing the reader would wait for the lock a blocked next() holds
        body.close();
    }
}

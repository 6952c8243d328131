package dev.stagecraft.messaging.outbox;

/**
 * A message is larger than the broker accepts ({@code stagecraft.outbox.max-message-bytes}); it was not written to
 * the outbox. The message names its type, its size and the limit.
 */
public class MessageTooLargeException extends IllegalArgumentException {

    public MessageTooLargeException(String type, int bytes, int limit) {
        super(type + " would be " + bytes + " bytes; the broker accepts at most " + limit
                + " (stagecraft.outbox.max-message-bytes)");
    }
}

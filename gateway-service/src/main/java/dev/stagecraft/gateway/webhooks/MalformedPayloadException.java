package dev.stagecraft.gateway.webhooks;

/** A signed payload that lacks a field its event type must have. */
public class MalformedPayloadException extends RuntimeException {

    public MalformedPayloadException(String message) {
        super(message);
    }
}

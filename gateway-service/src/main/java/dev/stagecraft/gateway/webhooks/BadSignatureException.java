package dev.stagecraft.gateway.webhooks;

/** The delivery's signature does not match the webhook secret of any application of its repository. */
public class BadSignatureException extends RuntimeException {

    public BadSignatureException(String message) {
        super(message);
    }
}

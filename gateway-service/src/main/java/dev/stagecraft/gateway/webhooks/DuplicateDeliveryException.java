package dev.stagecraft.gateway.webhooks;

/** The delivery id was recorded before: the delivery was handled already. */
public class DuplicateDeliveryException extends RuntimeException {

    public DuplicateDeliveryException(String delivery) {
        super("delivery " + delivery + " was already received");
    }
}

package dev.stagecraft.events.cloudevents;

/** A Kafka record that is not a Stagecraft CloudEvent; consumers send such records to the dead-letter topic. */
public class UnreadableEventException extends RuntimeException {

    public UnreadableEventException(String message) {
        super(message);
    }
}

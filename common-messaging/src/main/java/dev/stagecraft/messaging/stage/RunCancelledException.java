package dev.stagecraft.messaging.stage;

/** Thrown by {@link RunControl#checkCancelled()} when a CancelRequested arrived for the running workflow. */
public class RunCancelledException extends RuntimeException {

    public RunCancelledException(String reason) {
        super(reason);
    }
}

package dev.stagecraft.events;

/**
 * An action the internal UI asks for on {@link Topics#UI_COMMANDS} instead of calling the HTTP API: the gateway
 * treats it exactly like the HTTP call. {@code action} is one of create, deploy, setup, approve, extend, pause,
 * resume, delete; {@code actor} names the person on whose behalf the UI acts and is recorded on the environment's timeline.
 * {@code environmentId} is null for create, which names {@code application} and {@code branch} instead;
 * {@code commit} is optional for create and deploy (default: the branch's head), {@code by} optional for extend
 * (an ISO-8601 duration). An action that is invalid or refused is answered with {@link EnvironmentActionRejected}.
 */
public record EnvironmentActionRequested(String environmentId, String workflowId, String action, String actor,
        String application, String branch, String commit, String by) implements Command {

    public static EnvironmentActionRequested on(String environmentId, String action, String actor) {
        return new EnvironmentActionRequested(environmentId, null, action, actor, null, null, null, null);
    }
}

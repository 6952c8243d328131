package dev.stagecraft.gateway.webhooks;

/** The body of a webhook answer: what became of the delivery and why. */
public record WebhookResponse(String delivery, String outcome, String reason, String environment) {
}

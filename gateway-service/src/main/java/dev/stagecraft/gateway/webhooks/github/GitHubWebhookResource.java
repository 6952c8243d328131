package dev.stagecraft.gateway.webhooks.github;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.stagecraft.gateway.webhooks.HmacSignature;
import dev.stagecraft.gateway.webhooks.WebhookReceiver;
import dev.stagecraft.gateway.webhooks.WebhookReceiver.Header;

/**
 * Receives GitHub deliveries. The body is read raw so X-Hub-Signature-256 is checked over exactly the bytes GitHub
 * signed, in constant time, against the webhook secret of each application of the repository. Answers 202 with the
 * outcome, 200 for a duplicate X-GitHub-Delivery, 400 malformed, 401 bad signature (nothing stored), 413 too large,
 * 415 not JSON.
 */
@Path("/webhooks/github")
public class GitHubWebhookResource {

    @Inject
    WebhookReceiver receiver;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("X-GitHub-Event") String event,
            @HeaderParam("X-GitHub-Delivery") String delivery,
            @HeaderParam("X-Hub-Signature-256") String signature,
            @HeaderParam("Content-Type") String contentType, byte[] body) {
        String refusal = signature == null
                ? "the X-Hub-Signature-256 header is missing; GitHub sends it when the webhook has a secret, which"
                        + " Stagecraft requires: for"
                : "X-Hub-Signature-256 does not match the HMAC-SHA256 of the body under the webhook secret of any"
                        + " application registered for";
        return receiver.receive(GitHubEvents.PROVIDER, new Header("X-GitHub-Event", event),
                new Header("X-GitHub-Delivery", delivery), contentType, body, GitHubEvents::parse,
                secret -> HmacSignature.matches(secret, body, signature), refusal);
    }
}

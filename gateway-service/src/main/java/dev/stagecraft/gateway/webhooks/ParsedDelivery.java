package dev.stagecraft.gateway.webhooks;

import java.util.List;

/**
 * A delivery read by its provider's parser: who sent it ({@code deliveryId} is the host's id, the dedupe key), which
 * repository it is about (every URL the payload names), and the {@link GitEvent}.
 */
public record ParsedDelivery(String provider, String deliveryId, String event, String action, String repository,
        List<String> repositoryUrls, GitEvent gitEvent) {
}

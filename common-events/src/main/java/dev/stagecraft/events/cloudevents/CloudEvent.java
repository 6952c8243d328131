package dev.stagecraft.events.cloudevents;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import dev.stagecraft.events.MessageType;
import dev.stagecraft.events.StagecraftMessage;

/**
 * A CloudEvents 1.0 envelope around one Stagecraft message: {@code subject} is the environment id,
 * {@code workflowId} and {@code causationId} are the Stagecraft extensions.
 */
public record CloudEvent(String id, String type, String source, String subject, OffsetDateTime time,
        String workflowId, String causationId, StagecraftMessage data) {

    /** Wraps {@code data} in a new envelope from {@code source}, caused by the event {@code causationId} (may be null). */
    public static CloudEvent of(String source, StagecraftMessage data, String causationId) {
        return new CloudEvent(UUID.randomUUID().toString(), MessageType.of(data).ceType(), source, data.environmentId(),
                OffsetDateTime.now(ZoneOffset.UTC), data.workflowId(), causationId, data);
    }
}

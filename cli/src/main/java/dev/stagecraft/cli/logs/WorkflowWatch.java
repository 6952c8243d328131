package dev.stagecraft.cli.logs;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.gateway.ApiFailure;
import dev.stagecraft.cli.gateway.GatewayApi;
import dev.stagecraft.cli.gateway.Query;
import dev.stagecraft.cli.gateway.ServerSentEvents;

/**
 * Listens on an environment's event stream for events of one workflow, so a follower asks for the workflow's status
 * when something happened to it rather than on a timer. Without the stream (it could not be opened, or it ended)
 * the follower falls back to asking every few seconds.
 */
final class WorkflowWatch implements AutoCloseable {

    private static final Duration CHECK_WITH_STREAM = Duration.ofSeconds(30);
    private static final Duration CHECK_WITHOUT_STREAM = Duration.ofSeconds(5);

    private final ServerSentEvents events;
    private final String workflowId;
    private final AtomicBoolean changed = new AtomicBoolean();
    private volatile boolean open;

    private WorkflowWatch(ServerSentEvents events, String workflowId) {
        this.events = events;
        this.workflowId = workflowId;
        this.open = events != null;
    }

    /** Opens the stream of {@code environmentId} and returns once the gateway answered it. */
    static WorkflowWatch start(GatewayApi api, String environmentId, String workflowId) {
        ServerSentEvents events;
        try {
            events = api.stream("/api/environments/" + Query.encode(environmentId) + "/events", Query.of());
        } catch (ApiFailure e) {
            return new WorkflowWatch(null, workflowId);
        }
        WorkflowWatch watch = new WorkflowWatch(events, workflowId);
        Thread reader = new Thread(watch::read, "stagecraft-workflow-watch");
        reader.setDaemon(true);
        reader.start();
        return watch;
    }

    /** Whether an event of the workflow came (or the stream ended) since the last call. */
    boolean changed() {
        return changed.getAndSet(false);
    }

    /** How long the follower may go without asking for the workflow's status. */
    Duration checkEvery() {
        return open ? CHECK_WITH_STREAM : CHECK_WITHOUT_STREAM;
    }

    private void read() {
        try {
            ServerSentEvents.Event event;
            while ((event = events.next()) != null) {
                if (concernsTheWorkflow(event)) {
                    changed.set(true);
                }
            }
        } catch (IOException e) {
            // closed by the follower, or the connection was lost: the fallback takes over
        }
        open = false;
        changed.set(true);
    }

    private boolean concernsTheWorkflow(ServerSentEvents.Event event) {
        try {
            return workflowId.equals(Json.parse(event.data()).path("workflowId").asText(null));
        } catch (JsonProcessingException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (events != null) {
            try {
                events.close();
            } catch (IOException e) {
                // the stream is being given up anyway
            }
        }
    }
}

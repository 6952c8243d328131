package dev.stagecraft.messaging.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.PatchFailed;
import dev.stagecraft.events.PatchRequested;
import dev.stagecraft.events.PatchStarted;
import dev.stagecraft.events.PatchSucceeded;
import dev.stagecraft.events.cloudevents.CloudEvent;

class StageTest {

    private final Stage<PatchRequested> patch = new Stage<>(PatchRequested.class, PatchStarted::new,
            (request, control) -> new PatchSucceeded(request.environmentId(), request.workflowId(),
                    Map.of(), List.copyOf(request.images().keySet())),
            PatchFailed::new);

    private final CloudEvent command = CloudEvent.of("test", new PatchRequested("env-1", "wf-1", "c0ffee",
            new EnvironmentSpec("app", List.of(), Map.of()), Map.of("web", "web:2")), null);

    @Test
    void aRunIsAnnouncedWithTheCommandsEnvironmentAndWorkflow() {
        assertEquals(new PatchStarted("env-1", "wf-1"), patch.started(command));
    }

    @Test
    void theWorkGetsTheCommandItselfAndItsOutcomeIsTheRunsOutcome() throws Exception {
        assertEquals(new PatchSucceeded("env-1", "wf-1", Map.of(), List.of("web")), patch.run(command, null));
    }

    @Test
    void aFailureNamesTheTaskAndWhy() {
        assertEquals(new PatchFailed("env-1", "wf-1", "jobs.migrate", "exit code 1"),
                patch.failed(command, "jobs.migrate", "exit code 1"));
    }
}

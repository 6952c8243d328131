package dev.stagecraft.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.events.cloudevents.EventJson;

class StageOutcomeTest {

    private static final List<String> STAGES = List.of("build", "setup", "patch", "pause", "resume", "teardown");

    @Test
    void everyStageEndsInOneSuccessAndOneFailureByType() {
        for (String stage : STAGES) {
            Set<String> succeeded = new TreeSet<>();
            Set<String> failed = new TreeSet<>();
            for (MessageType type : MessageType.values()) {
                if (!type.ceType().startsWith("dev.stagecraft." + stage + ".")) {
                    continue;
                }
                if (StageOutcome.Succeeded.class.isAssignableFrom(type.javaType())) {
                    succeeded.add(type.ceType());
                }
                if (StageOutcome.Failed.class.isAssignableFrom(type.javaType())) {
                    failed.add(type.ceType());
                }
            }
            assertEquals(1, succeeded.size(), stage + " has one success outcome: " + succeeded);
            assertEquals(Set.of("dev.stagecraft." + stage + ".failed.v1"), failed, stage + " has one failure outcome");
        }
    }

    @Test
    void onlyStageOutcomesAreOutcomes() {
        for (MessageType type : MessageType.values()) {
            boolean outcome = StageOutcome.class.isAssignableFrom(type.javaType());
            boolean ends = type.ceType().matches("dev\\.stagecraft\\.(build|setup|patch|pause|resume|teardown)"
                    + "\\.(completed|succeeded|failed)\\.v1");
            assertEquals(ends, outcome, type.ceType() + " is an outcome exactly when it ends a stage");
        }
    }

    @Test
    void anOutcomesJsonHoldsItsRecordFieldsAndNothingElse() {
        for (MessageType type : MessageType.values()) {
            if (!StageOutcome.class.isAssignableFrom(type.javaType())) {
                continue;
            }
            JsonNode json = EventJson.mapper().valueToTree(Samples.of(type.javaType()));
            Set<String> written = new HashSet<>();
            json.fieldNames().forEachRemaining(written::add);
            Set<String> components = new HashSet<>(Arrays.stream(type.javaType().getRecordComponents())
                    .map(RecordComponent::getName).toList());
            assertEquals(components, written, type.ceType() + " JSON fields");
        }
    }

    @Test
    void aFailureSaysWhy() {
        StageOutcome outcome = new SetupFailed("env-1", "wf-1", "services.web", "port 8080 never answered");
        assertTrue(outcome instanceof StageOutcome.Failed failed
                && failed.reason().equals("port 8080 never answered"));
        assertEquals("{\"environmentId\":\"env-1\",\"workflowId\":\"wf-1\",\"task\":\"services.web\","
                + "\"reason\":\"port 8080 never answered\"}", EventJson.write(outcome), "the wire format as before");
    }
}

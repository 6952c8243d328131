package dev.stagecraft.cli.output;

import com.fasterxml.jackson.databind.JsonNode;

/** A pause schedule in words, as the details of an application or environment show it. */
public final class ScheduleText {

    private ScheduleText() {
    }

    public static String of(JsonNode schedule) {
        if (schedule == null || schedule.isNull() || schedule.isMissingNode()) {
            return "none";
        }
        String zone = schedule.path("timezone").asText();
        return schedule.path("weekendsOnly").asBoolean() ? "weekends (Saturday 00:00 to Monday 00:00, " + zone + ")"
                : "every day " + schedule.path("pauseAt").asText() + " to " + schedule.path("resumeAt").asText() + " ("
                        + zone + ")";
    }
}

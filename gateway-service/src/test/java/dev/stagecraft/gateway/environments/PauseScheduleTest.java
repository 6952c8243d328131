package dev.stagecraft.gateway.environments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.stagecraft.gateway.api.ApiException;

/** When a pause schedule pauses, in its own time zone, and what it refuses. */
class PauseScheduleTest {

    // 2026-11-27 is a Friday; Berlin is UTC+1 in November
    private static final PauseSchedule NIGHTS = PauseSchedule.parse(
            "{\"timezone\": \"Europe/Berlin\", \"pauseAt\": \"20:00\", \"resumeAt\": \"08:00\"}");
    private static final PauseSchedule WEEKENDS = PauseSchedule.parse(
            "{\"timezone\": \"America/New_York\", \"weekendsOnly\": true}");

    @Test
    void aWindowAcrossMidnightIsInTheSchedulesTimeZone() {
        assertFalse(NIGHTS.pausedAt(Instant.parse("2026-11-27T18:59:00Z")), "19:59 in Berlin");
        assertTrue(NIGHTS.pausedAt(Instant.parse("2026-11-27T19:00:00Z")), "20:00 in Berlin");
        assertTrue(NIGHTS.pausedAt(Instant.parse("2026-11-28T06:59:00Z")), "07:59 the next morning");
        assertFalse(NIGHTS.pausedAt(Instant.parse("2026-11-28T07:00:00Z")), "08:00: over");
        assertEquals(Instant.parse("2026-11-28T07:00:00Z"), NIGHTS.windowEnd(Instant.parse("2026-11-27T22:00:00Z")));
        assertEquals(Instant.parse("2026-11-28T07:00:00Z"), NIGHTS.windowEnd(Instant.parse("2026-11-28T01:00:00Z")));
    }

    @Test
    void aDaytimeWindowAndWeekendsOnly() {
        PauseSchedule lunch = PauseSchedule.parse("{\"timezone\": \"UTC\", \"pauseAt\": \"12:00\", \"resumeAt\": \"13:00\"}");
        assertTrue(lunch.pausedAt(Instant.parse("2026-11-27T12:30:00Z")));
        assertFalse(lunch.pausedAt(Instant.parse("2026-11-27T13:30:00Z")));

        assertFalse(WEEKENDS.pausedAt(Instant.parse("2026-11-28T04:59:00Z")), "Friday 23:59 in New York");
        assertTrue(WEEKENDS.pausedAt(Instant.parse("2026-11-28T05:00:00Z")), "Saturday 00:00 in New York");
        assertTrue(WEEKENDS.pausedAt(Instant.parse("2026-11-30T04:59:00Z")), "Sunday 23:59");
        assertFalse(WEEKENDS.pausedAt(Instant.parse("2026-11-30T05:00:00Z")), "Monday 00:00");
        assertEquals(Instant.parse("2026-11-30T05:00:00Z"), WEEKENDS.windowEnd(Instant.parse("2026-11-28T12:00:00Z")));
    }

    @Test
    void whatIsNotAScheduleIsRefusedSayingWhatIsAccepted() {
        assertEquals("timezone 'Mars/Olympus' is not known; use an IANA name such as Europe/Berlin, America/New_York"
                + " or UTC", assertThrows(ApiException.class, () -> PauseSchedule.parse(
                        "{\"timezone\": \"Mars/Olympus\", \"weekendsOnly\": true}")).getMessage());
        assertTrue(assertThrows(ApiException.class, () -> PauseSchedule.parse("{\"timezone\": \"UTC\", \"pauseAt\":"
                + " \"8pm\", \"resumeAt\": \"08:00\"}")).getMessage().startsWith("pauseAt '8pm' is not a time of day"));
        assertTrue(assertThrows(ApiException.class, () -> PauseSchedule.parse("{\"timezone\": \"UTC\","
                + " \"pauseAt\": \"20:00\"}")).getMessage().startsWith("pauseAt and resumeAt are both required"));
        assertTrue(assertThrows(ApiException.class, () -> PauseSchedule.parse("{\"timezone\": \"UTC\","
                + " \"weekendsOnly\": true, \"pauseAt\": \"20:00\"}")).getMessage().startsWith("weekendsOnly pauses"));
        assertTrue(assertThrows(ApiException.class, () -> PauseSchedule.parse("null")).getMessage()
                .startsWith("a pause schedule is"));
    }
}

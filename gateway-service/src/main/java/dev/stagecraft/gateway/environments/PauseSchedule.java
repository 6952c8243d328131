package dev.stagecraft.gateway.environments;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.stagecraft.events.cloudevents.EventJson;
import dev.stagecraft.gateway.api.ApiException;

/**
 * When an environment is paused on its own, in Release's form: every day from {@code pauseAt} to {@code resumeAt}
 * (local times of {@code timezone}, "HH:MM"; a window may cross midnight), or with {@code weekendsOnly} from Saturday
 * 00:00 to Monday 00:00. An application sets a default that its environments follow unless they set their own.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PauseSchedule(String timezone, String pauseAt, String resumeAt, Boolean weekendsOnly) {

    /** The schedule in {@code json}, checked; a 400 naming what is wrong and what is accepted otherwise. */
    public static PauseSchedule parse(String json) {
        PauseSchedule s;
        try {
            s = EventJson.mapper().readValue(json, PauseSchedule.class);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest(ACCEPTED + "; the body is not that: " + e.getMessage());
        }
        if (s == null) {
            throw ApiException.badRequest(ACCEPTED);
        }
        return s.checked();
    }

    static final String ACCEPTED = "a pause schedule is {\"timezone\": \"Europe/Berlin\", \"pauseAt\": \"20:00\","
            + " \"resumeAt\": \"08:00\"} or {\"timezone\": \"Europe/Berlin\", \"weekendsOnly\": true}";

    /** This schedule, or a 400 saying what in it is not accepted. */
    public PauseSchedule checked() {
        if (timezone == null) {
            throw ApiException.badRequest("timezone is required (an IANA name such as Europe/Berlin or UTC); "
                    + ACCEPTED);
        }
        try {
            ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw ApiException.badRequest("timezone '" + timezone + "' is not known; use an IANA name such as"
                    + " Europe/Berlin, America/New_York or UTC");
        }
        if (Boolean.TRUE.equals(weekendsOnly)) {
            if (pauseAt != null || resumeAt != null) {
                throw ApiException.badRequest("weekendsOnly pauses from Saturday 00:00 to Monday 00:00 and takes no"
                        + " pauseAt or resumeAt; " + ACCEPTED);
            }
            return this;
        }
        if (pauseAt == null || resumeAt == null) {
            throw ApiException.badRequest("pauseAt and resumeAt are both required unless weekendsOnly is true; "
                    + ACCEPTED);
        }
        if (time("pauseAt", pauseAt).equals(time("resumeAt", resumeAt))) {
            throw ApiException.badRequest("pauseAt and resumeAt are both " + pauseAt + "; they must differ");
        }
        return this;
    }

    private static LocalTime time(String field, String text) {
        try {
            if (!text.matches("\\d{2}:\\d{2}")) {
                throw new DateTimeParseException("not HH:MM", text, 0);
            }
            return LocalTime.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field + " '" + text + "' is not a time of day as HH:MM (00:00 to 23:59)");
        }
    }

    /** Whether {@code now} falls in a pause window. */
    public boolean pausedAt(Instant now) {
        ZonedDateTime local = now.atZone(ZoneId.of(timezone));
        if (Boolean.TRUE.equals(weekendsOnly)) {
            DayOfWeek day = local.getDayOfWeek();
            return day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY;
        }
        LocalTime t = local.toLocalTime();
        LocalTime pause = LocalTime.parse(pauseAt);
        LocalTime resume = LocalTime.parse(resumeAt);
        return pause.isBefore(resume) ? !t.isBefore(pause) && t.isBefore(resume)
                : !t.isBefore(pause) || t.isBefore(resume);
    }

    /** When the pause window {@code now} falls in ends (the next resume time after {@code now}). */
    public Instant windowEnd(Instant now) {
        ZonedDateTime local = now.atZone(ZoneId.of(timezone));
        if (Boolean.TRUE.equals(weekendsOnly)) {
            return local.toLocalDate().with(TemporalAdjusters.next(DayOfWeek.MONDAY)).atStartOfDay(local.getZone())
                    .toInstant();
        }
        ZonedDateTime resume = local.toLocalDate().atTime(LocalTime.parse(resumeAt)).atZone(local.getZone());
        return (resume.isAfter(local) ? resume : resume.plusDays(1)).toInstant();
    }

    public String json() {
        return EventJson.write(this);
    }

    /** The schedule an environment follows: its own (or none) when it set one, else its application's. */
    public static PauseSchedule of(Environment env, String applicationSchedule) {
        String json = env.pauseScheduleSet ? env.pauseSchedule : applicationSchedule;
        return json == null ? null : parse(json);
    }
}

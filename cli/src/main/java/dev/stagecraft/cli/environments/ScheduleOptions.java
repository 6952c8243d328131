package dev.stagecraft.cli.environments;

import picocli.CommandLine.Option;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.stagecraft.cli.Json;
import dev.stagecraft.cli.UsageException;

/** A pause schedule on the command line: a daily window, or weekends; the gateway checks the rest. */
public class ScheduleOptions {

    @Option(names = "--pause-at", paramLabel = "<HH:MM>", description = "Pause every day at this local time.")
    String pauseAt;

    @Option(names = "--resume-at", paramLabel = "<HH:MM>", description = "Resume every day at this local time.")
    String resumeAt;

    @Option(names = "--weekends", description = "Pause from Saturday 00:00 to Monday 00:00.")
    boolean weekends;

    @Option(names = "--timezone", paramLabel = "<zone>", defaultValue = "UTC",
            description = "An IANA time zone such as Europe/Berlin (default: ${DEFAULT-VALUE}).")
    String timezone;

    /** Whether any schedule option was given. */
    public boolean given() {
        return pauseAt != null || resumeAt != null || weekends;
    }

    /** The schedule as the API takes it. */
    public ObjectNode body() {
        if (weekends && (pauseAt != null || resumeAt != null)) {
            throw new UsageException("--weekends pauses from Saturday 00:00 to Monday 00:00 and takes no --pause-at"
                    + " or --resume-at");
        }
        if (!weekends && (pauseAt == null || resumeAt == null)) {
            throw new UsageException("a schedule is --pause-at HH:MM --resume-at HH:MM, or --weekends"
                    + " (each with --timezone)");
        }
        ObjectNode body = Json.object().put("timezone", timezone);
        return weekends ? body.put("weekendsOnly", true) : body.put("pauseAt", pauseAt).put("resumeAt", resumeAt);
    }
}

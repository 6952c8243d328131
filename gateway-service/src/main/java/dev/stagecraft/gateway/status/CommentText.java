package dev.stagecraft.gateway.status;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import dev.stagecraft.gateway.environments.EnvironmentState;

/**
 * The text of the pull request comment, the same Markdown on every host: the environment's state, commit and expiry,
 * the failure's reason, its URLs, and, once its expiry is near, a warning that says how to extend it.
 */
final class CommentText {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'");

    private CommentText() {
    }

    /** Whether the comment warns about the expiry at {@code now}: it is less than {@code lead} away, and not past. */
    static boolean warnsOfExpiry(Snapshot s, OffsetDateTime now, Duration lead) {
        return s.expiresAt() != null && !(lead.isZero() || lead.isNegative()) && s.state().alive()
                && now.isBefore(s.expiresAt()) && !now.isBefore(s.expiresAt().minus(lead));
    }

    static String render(Snapshot s, OffsetDateTime now, Duration lead) {
        StringBuilder md = new StringBuilder();
        md.append("<!-- stagecraft:environment=").append(s.environmentId()).append(" -->\n");
        md.append("### Stagecraft environment `").append(s.environmentId()).append("`\n\n");
        if (s.state() == EnvironmentState.DELETED) {
            md.append("**Deleted.** The environment was torn down; nothing of it is left.\n");
            if (s.quotaNote() != null) {
                md.append("\n> ").append(s.quotaNote()).append("\n");
            }
            return md.toString();
        }
        if (s.state() == EnvironmentState.QUEUED) {
            md.append("**State:** QUEUED · position ").append(s.queuePosition()).append(" in the queue of `")
                    .append(s.application()).append("`\n\n> The application runs as many environments as its limit"
                            + " allows. This one is built and deployed once one of them stops; a push meanwhile only"
                            + " changes the commit it starts with.\n");
            return md.toString();
        }
        md.append("**State:** ").append(s.state().name());
        if (s.commit() != null) {
            md.append(" · commit `").append(s.shortCommit(s.commit())).append('`');
        }
        if (s.expiresAt() != null) {
            md.append(" · expires ").append(when(s.expiresAt()));
        }
        md.append("\n");
        if (warnsOfExpiry(s, now, lead)) {
            md.append("\n> **Expires soon:** this environment is torn down at ").append(when(s.expiresAt()))
                    .append(". To keep it longer, extend it: `stagecraft envs extend ").append(s.environmentId())
                    .append("` or `POST /api/environments/").append(s.environmentId())
                    .append("/extend` (optionally with `{\"by\": \"PT12H\"}`).\n");
        }
        if (s.quotaNote() != null && s.state() != EnvironmentState.READY) {
            md.append("\n> **Evicted:** ").append(s.quotaNote().replace("\n", " "));
            if (s.state() == EnvironmentState.PAUSING || s.state() == EnvironmentState.PAUSED) {
                md.append(" Resume it with `stagecraft envs resume ").append(s.environmentId()).append("` or `POST"
                        + " /api/environments/").append(s.environmentId()).append("/resume`.");
            }
            md.append("\n");
        }
        if (s.failureReason() != null && s.state() == EnvironmentState.FAILED) {
            md.append("\n> ").append(s.failureReason().replace("\n", " ")).append("\n");
        }
        if (!s.endpoints().isEmpty() && s.state() != EnvironmentState.TEARING_DOWN) {
            md.append("\n| Service | URL |\n|---|---|\n");
            s.endpoints().forEach((service, url) -> md.append("| ").append(service).append(" | ").append(url)
                    .append(" |\n"));
        }
        return md.toString();
    }

    private static String when(OffsetDateTime time) {
        return WHEN.format(time.withOffsetSameInstant(ZoneOffset.UTC));
    }
}

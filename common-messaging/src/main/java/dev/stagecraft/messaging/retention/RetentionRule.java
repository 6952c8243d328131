package dev.stagecraft.messaging.retention;

/**
 * Rows of one table that {@link Retention} deletes once they are older than the history (or, for logs, the log)
 * retention: {@code where <timestamp> < cutoff [and <condition>]}. Services contribute rules for their own tables
 * through {@link RetentionRules}; the messaging tables have theirs built in.
 *
 * @param table     the table, in the service's schema
 * @param timestamp the column that dates a row
 * @param condition more SQL that must hold for a row to go (may be null), e.g. that it is finished
 * @param logs      true: the log retention applies, false: the history retention
 */
public record RetentionRule(String table, String timestamp, String condition, boolean logs) {
}

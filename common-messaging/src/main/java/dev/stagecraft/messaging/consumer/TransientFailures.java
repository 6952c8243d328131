package dev.stagecraft.messaging.consumer;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;

import dev.stagecraft.messaging.MessagingConfig;

/**
 * Runs a consumer's work for one record until it succeeds while its failures are transient: the database, the
 * broker or another service unavailable for a while. Such a failure is retried with backoff on the consumer's
 * thread, so the record is neither sent to the dead-letter topic nor committed past; the partition waits. Any other
 * failure (an unreadable or invalid record, a refused command) is thrown, and the channel's failure strategy sends
 * the record to its dead-letter topic.
 */
@ApplicationScoped
public class TransientFailures {

    private static final Logger LOG = Logger.getLogger(TransientFailures.class);

    @Inject
    MessagingConfig config;

    /** Runs {@code work} for {@code record}, again after each transient failure. */
    public void process(ConsumerRecord<?, ?> record, Runnable work) {
        long backoff = 100;
        int failures = 0;
        while (true) {
            try {
                work.run();
                if (failures > 0) {
                    LOG.infof("%s-%d@%d processed after %d transient failures", record.topic(), record.partition(),
                            record.offset(), failures);
                }
                return;
            } catch (RuntimeException e) {
                if (!isTransient(e)) {
                    throw e;
                }
                failures++;
                if (failures == 1 || failures % 10 == 0) {
                    LOG.warnf("%s-%d@%d not processed yet (%d transient failures, retrying): %s", record.topic(),
                            record.partition(), record.offset(), failures, rootMessage(e));
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    // stopping: the record is not committed and comes again after the restart
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("stopped while " + record.topic() + "-" + record.partition() + "@"
                            + record.offset() + " waited for a transient failure to pass", e);
                }
                backoff = Math.min(config.consumer().maxBackoff().toMillis(), backoff * 2);
            }
        }
    }

    /**
     * Whether {@code failure} (or a cause) says that something was unavailable rather than that the record or the
     * work is wrong: a lost or refused database connection, a database that is starting or shutting down, a
     * connection pool that found no connection in time, a retriable broker error, a network failure.
     */
    public static boolean isTransient(Throwable failure) {
        return isTransient(failure, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    /**
     * Walks the causes and the suppressed exceptions: a transaction that could not commit because the database went
     * away says so in a RollbackException whose PSQLException is suppressed, not its cause.
     */
    private static boolean isTransient(Throwable failure, java.util.Set<Throwable> seen) {
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            for (Throwable suppressed : t.getSuppressed()) {
                if (isTransient(suppressed, seen)) {
                    return true;
                }
            }
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException
                    || t instanceof RetriableException || t instanceof SocketException
                    || t instanceof SocketTimeoutException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"))) {
                    return true; // connection exception, operator intervention (shutdown, starting), resources
                }
                if (sql.getMessage() != null && sql.getMessage().contains("Acquisition timeout")) {
                    return true; // the pool could not open a connection in time
                }
            }
            if (t.getClass().getName().equals("org.hibernate.exception.JDBCConnectionException")) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}

package dev.stagecraft.gateway.environments;

import java.sql.SQLException;
import java.time.temporal.ChronoUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;

import org.eclipse.microprofile.faulttolerance.Retry;
import org.hibernate.StaleStateException;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.faulttolerance.api.RetryWhen;

/**
 * Runs a unit of work in its own transaction and runs it again when another transaction changed the same environment
 * first (optimistic lock on {@code environment.version}), so a webhook and a stage event racing on one environment
 * are both applied, one after the other; likewise when PostgreSQL ended it to break a deadlock. Every try is a new
 * transaction ({@code requiringNew} inside the retried method), so a retry never reuses the failed one's state.
 */
@ApplicationScoped
public class ConflictRetry {

    /** Up to five tries, 10 to 20 ms apart. */
    @Retry(maxRetries = 4, delay = 15, delayUnit = ChronoUnit.MILLIS, jitter = 5, jitterDelayUnit = ChronoUnit.MILLIS)
    @RetryWhen(exception = Conflict.class)
    public <T> T inTransaction(Supplier<T> work) {
        return QuarkusTransaction.requiringNew().call(work::get);
    }

    /** Whether {@code e}, or one of its causes, says another transaction got there first. */
    public static boolean isConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OptimisticLockException || t instanceof StaleStateException) {
                return true;
            }
            // PostgreSQL chose this transaction to end a deadlock (40P01), or could not serialize it (40001)
            if (t instanceof SQLException sql && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** The failures worth another transaction: {@link #isConflict}. */
    public static final class Conflict implements Predicate<Throwable> {

        @Override
        public boolean test(Throwable e) {
            return isConflict(e);
        }
    }
}

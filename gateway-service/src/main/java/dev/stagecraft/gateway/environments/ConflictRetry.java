package dev.stagecraft.gateway.environments;

import java.sql.SQLException;
import java.util.function.Supplier;

import jakarta.persistence.OptimisticLockException;

import org.hibernate.StaleStateException;

import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Runs a unit of work in its own transaction and runs it again when another transaction changed the same environment
 * first (optimistic lock on {@code environment.version}), so a webhook and a stage event racing on one environment
 * are both applied, one after the other; likewise when PostgreSQL ended it to break a deadlock.
 */
public final class ConflictRetry {

    private static final int ATTEMPTS = 5;

    private ConflictRetry() {
    }

    public static <T> T inTransaction(Supplier<T> work) {
        for (int attempt = 1;; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(work::get);
            } catch (RuntimeException e) {
                if (!isConflict(e) || attempt == ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(10L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

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
}

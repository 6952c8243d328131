package dev.stagecraft.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.persistence.OptimisticLockException;
import jakarta.transaction.TransactionSynchronizationRegistry;

import org.junit.jupiter.api.Test;

import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(InfraTestResource.class)
@WithTestResource(FakeGitHub.class)
class ConflictRetryTest {

    @Inject
    ConflictRetry conflicts;

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Test
    void aUnitOfWorkThatLostAnOptimisticLockRunsAgainInAFreshTransaction() {
        List<Object> tries = new ArrayList<>();

        String result = conflicts.inTransaction(() -> {
            tries.add(transactions.getTransactionKey());
            if (tries.size() < 3) {
                throw new IllegalStateException("lost the race", new OptimisticLockException("environment changed"));
            }
            return "applied";
        });

        assertEquals("applied", result);
        assertEquals(3, tries.size());
        assertNotEquals(tries.get(0), tries.get(1), "every try has a transaction of its own");
        assertNotEquals(tries.get(1), tries.get(2), "every try has a transaction of its own");
    }

    @Test
    void anyOtherFailureIsNotTriedAgain() {
        assertEquals(1, triesOfAUnitThatAlwaysThrows(IllegalArgumentException.class,
                new IllegalArgumentException("no such environment")));
    }

    @Test
    void aConflictThatKeepsHappeningIsGivenUpAfterFiveTries() {
        assertEquals(5, triesOfAUnitThatAlwaysThrows(RuntimeException.class,
                new OptimisticLockException("environment changed")));
    }

    /** How often a unit of work that always throws {@code failure} is tried before {@code given} reaches the caller. */
    private int triesOfAUnitThatAlwaysThrows(Class<? extends RuntimeException> given, RuntimeException failure) {
        List<Object> tries = new ArrayList<>();
        assertThrows(given, () -> conflicts.inTransaction(() -> {
            tries.add(transactions.getTransactionKey());
            throw failure;
        }));
        return tries.size();
    }
}

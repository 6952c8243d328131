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
        List<Object> tries = new ArrayList<>();

        assertThrows(IllegalArgumentException.class, () -> conflicts.inTransaction(() -> {
            tries.add(transactions.getTransactionKey());
            throw new IllegalArgumentException("no such environment");
        }));

        assertEquals(1, tries.size());
    }

    @Test
    void aConflictThatKeepsHappeningIsGivenUpAfterFiveTries() {
        List<Object> tries = new ArrayList<>();

        assertThrows(RuntimeException.class, () -> conflicts.inTransaction(() -> {
            tries.add(transactions.getTransactionKey());
            throw new OptimisticLockException("environment changed");
        }));

        assertEquals(5, tries.size());
    }
}

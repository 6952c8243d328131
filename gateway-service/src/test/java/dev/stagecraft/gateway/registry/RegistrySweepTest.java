package dev.stagecraft.gateway.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.stagecraft.infra.InfraTestResource;
import dev.stagecraft.registry.FakeRegistry;
import dev.stagecraft.registry.RegistryCalls;
import dev.stagecraft.registry.RegistryClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The clean-up's walk of a registry larger than a page, against common-registry's {@link FakeRegistry}. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class RegistrySweepTest {

    private final FakeRegistry registry = new FakeRegistry();

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void theCatalogIsReadPageByPageAsItsLinkSays() {
        for (int i = 0; i < RegistryClient.PAGE + 1; i++) {
            registry.repositories.add(String.format("team/elsewhere/r%04d", i));
        }
        RegistryCalls calls = new RegistryCalls(registry.address(), registry::credentials,
                RegistryCalls.guard("registry-sweep-test-" + UUID.randomUUID(), 1, Duration.ofMillis(10)));

        RegistryCleanup.Result result = new RegistrySweep(calls).run(Set.of(), Set.of(), OffsetDateTime.now());

        assertEquals(List.of(), result.deleted());
        assertEquals(2, registry.catalogQueries.size(), "two pages: " + registry.catalogQueries);
        assertTrue(registry.catalogQueries.get(1).contains("last=team/elsewhere/r0999"),
                registry.catalogQueries.get(1));
    }
}

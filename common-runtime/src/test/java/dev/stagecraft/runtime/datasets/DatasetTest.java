package dev.stagecraft.runtime.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.runtime.datasets.Dataset.Engine;
import dev.stagecraft.runtime.datasets.Dataset.Seed;

/** What a dataset's configuration may say: an engine, and a dump or a seed job, never both. */
class DatasetTest {

    private static final Path DUMP = Path.of("customers.sql");

    @Test
    void aDatasetWithoutAnEngineIsPostgresqlAsBefore() {
        Dataset dataset = new Dataset("customers", DUMP, 2, "shop", "app", "secret", null);
        assertEquals(Engine.POSTGRESQL, dataset.engine());
        assertNull(dataset.seed());
        assertEquals(5432, dataset.engine().port());
    }

    @Test
    void theEngineIsReadByItsNameInAnyCaseAndAnUnknownOneIsNamedWithThoseAccepted() {
        assertEquals(Engine.MYSQL, Engine.parse("shop", "MySQL"));
        assertEquals(Engine.POSTGRESQL, Engine.parse("shop", "postgresql"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Engine.parse("shop", "oracle"));
        assertEquals("stagecraft.datasets.shop.engine 'oracle' is not one of postgresql, mysql", e.getMessage());
    }

    @Test
    void exactlyOneOfADumpAndASeedJobMakesTheSnapshot() {
        Seed seed = new Seed("registry.local/seed:1", List.of("sh", "/seed.sh"), Map.of("ROWS", "10"));
        Dataset seeded = new Dataset("catalog", null, 1, "catalog", "app", "secret", null, List.of(), Engine.MYSQL,
                seed);
        assertEquals(seed, seeded.seed());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> new Dataset("catalog",
                DUMP, 1, "catalog", "app", "secret", null, List.of(), Engine.MYSQL, seed));
        assertEquals("dataset 'catalog': set exactly one of stagecraft.datasets.catalog.dump (a database dump restored"
                + " into the snapshot) and stagecraft.datasets.catalog.seed.image (a seed job run against a fresh"
                + " database); both are set", both.getMessage());
        IllegalArgumentException neither = assertThrows(IllegalArgumentException.class, () -> new Dataset("catalog",
                null, 1, "catalog", "app", "secret", null, List.of(), Engine.MYSQL, null));
        assertEquals(true, neither.getMessage().endsWith("; neither is set"), neither.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Seed(" ", List.of(), Map.of()));
    }
}

package dev.stagecraft.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.Dataset.Engine;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The datasets as {@code stagecraft.datasets.<name>.*} configures them: engines, dumps and seed jobs. */
class RuntimesDatasetsTest {

    private static List<Dataset> datasets(Map<String, String> settings) {
        RuntimeConfig config = new SmallRyeConfigBuilder().withMapping(RuntimeConfig.class)
                .withDefaultValues(settings).build().getConfigMapping(RuntimeConfig.class);
        return Runtimes.datasets(config);
    }

    @Test
    void aDumpIsAPostgresqlDatasetUnlessItSaysMysql() {
        List<Dataset> datasets = datasets(Map.of(
                "stagecraft.datasets.customers.dump", "/dumps/customers.sql",
                "stagecraft.datasets.customers.password", "secret",
                "stagecraft.datasets.shop.engine", "mysql",
                "stagecraft.datasets.shop.dump", "/dumps/shop.sql.gz",
                "stagecraft.datasets.shop.password", "secret"));
        Map<String, Dataset> byName = Map.of(datasets.get(0).name(), datasets.get(0), datasets.get(1).name(),
                datasets.get(1));
        assertEquals(Engine.POSTGRESQL, byName.get("customers").engine());
        assertEquals(Engine.MYSQL, byName.get("shop").engine());
        assertEquals(Path.of("/dumps/shop.sql.gz"), byName.get("shop").dump());
        assertNull(byName.get("shop").seed());
    }

    @Test
    void aSeedJobIsReadWithItsCommandAndVariables() {
        Dataset catalog = datasets(Map.of(
                "stagecraft.datasets.catalog.engine", "mysql",
                "stagecraft.datasets.catalog.seed.image", "registry.local:5000/catalog-seed:2",
                "stagecraft.datasets.catalog.seed.command[0]", "sh",
                "stagecraft.datasets.catalog.seed.command[1]", "/seed/load.sh",
                "stagecraft.datasets.catalog.seed.env.ROWS", "100",
                "stagecraft.datasets.catalog.password", "secret")).get(0);
        assertNull(catalog.dump());
        assertEquals(new Dataset.Seed("registry.local:5000/catalog-seed:2", List.of("sh", "/seed/load.sh"),
                Map.of("ROWS", "100")), catalog.seed());
    }

    @Test
    void bothADumpAndASeedOrAnUnknownEngineAreRefusedNamingWhatIsAccepted() {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> datasets(Map.of(
                "stagecraft.datasets.catalog.dump", "/dumps/catalog.sql",
                "stagecraft.datasets.catalog.seed.image", "catalog-seed:2",
                "stagecraft.datasets.catalog.password", "secret")));
        assertEquals("dataset 'catalog': set exactly one of stagecraft.datasets.catalog.dump (a database dump restored"
                + " into the snapshot) and stagecraft.datasets.catalog.seed.image (a seed job run against a fresh"
                + " database); both are set", both.getMessage());
        IllegalArgumentException engine = assertThrows(IllegalArgumentException.class, () -> datasets(Map.of(
                "stagecraft.datasets.catalog.engine", "mongodb",
                "stagecraft.datasets.catalog.dump", "/dumps/catalog.sql",
                "stagecraft.datasets.catalog.password", "secret")));
        assertEquals("stagecraft.datasets.catalog.engine 'mongodb' is not one of postgresql, mysql",
                engine.getMessage());
    }
}

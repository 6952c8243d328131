package dev.stagecraft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code stagecraft datasets}: the pools as the gateway shows them, and a dataset it does not know. */
class DatasetsTest extends AgainstFakeGateway {

    @Override
    String token() {
        return "sc_viewer";
    }

    @Test
    void listShowsEachPoolAgainstItsSize() {
        gateway.on("GET", "/api/datasets", FakeGateway.Reply.ok("""
                [{"name": "customers", "runtime": "docker", "poolSize": 3, "snapshot": true, "ready": 2,
                  "filling": 1, "checkedOut": 4, "error": null, "observedAt": "2026-05-01T10:00:00Z"}]
                """));

        Cli.Result result = cli.run("datasets", "list");

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("""
                NAME       RUNTIME  SNAPSHOT  READY  FILLING  CHECKED OUT  SEEN                  ERROR
                customers  docker   yes       2/3    1        4            2026-05-01T10:00:00Z  -
                """, result.out());
    }

    @Test
    void showAsksForTheRuntimeWhosePoolToShow() {
        gateway.on("GET", "/api/datasets/customers?runtime=kubernetes", FakeGateway.Reply.ok("""
                {"name": "customers", "runtime": "kubernetes", "poolSize": 3, "snapshot": true, "ready": 1,
                 "filling": 2, "checkedOut": 0, "error": null, "observedAt": "2026-05-01T10:00:00Z"}
                """));

        Cli.Result result = cli.run("datasets", "show", "customers", "--runtime", "kubernetes");

        assertEquals(0, result.exitCode(), result.toString());
        assertTrue(result.out().contains("kubernetes") && result.out().contains("Filling"), result.out());
    }

    @Test
    void showingAnUnknownDatasetExitsFour() {
        gateway.on("GET", "/api/datasets/orders", FakeGateway.Reply.error(404, "dataset_not_found",
                "no dataset 'orders' has been reported; known: [customers]"));

        Cli.Result result = cli.run("datasets", "show", "orders");

        assertEquals(4, result.exitCode(), result.toString());
        assertTrue(result.err().contains("no dataset 'orders' has been reported"), result.err());
    }
}

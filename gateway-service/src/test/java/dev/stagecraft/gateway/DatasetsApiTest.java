package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.stagecraft.events.DatasetPoolsReported;
import dev.stagecraft.events.DatasetPoolsReported.DatasetPool;
import dev.stagecraft.events.testing.TestBus;
import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The datasets' pools the setup-service reports are what {@code GET /api/datasets} shows, newest report first. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class DatasetsApiTest {

    private TestBus bus;

    @BeforeEach
    void joinTheBus() {
        bus = new TestBus();
    }

    @AfterEach
    void leaveTheBus() {
        bus.close();
    }

    @Test
    void thePoolsOfTheNewestReportAreShownAndAnOlderReportChangesNothing() {
        String name = "customers-" + UUID.randomUUID().toString().substring(0, 8);
        String gone = "orders-" + UUID.randomUUID().toString().substring(0, 8);
        OffsetDateTime now = OffsetDateTime.now();
        bus.publish(new DatasetPoolsReported(null, null, "docker", List.of(
                new DatasetPool(name, 3, true, 1, 2, 4, null),
                new DatasetPool(gone, 1, false, 0, 0, 0, "dataset file /nope.sql cannot be read")),
                now.minusSeconds(5)));
        JsonPath list = Api.awaitBody("/api/datasets", body -> body.getList("name").contains(gone));
        assertEquals(List.of(3), list.getList("findAll { it.name == '" + name + "' }.poolSize"));
        given().get("/api/datasets/" + gone).then().statusCode(200)
                .body("error", containsString("cannot be read"));

        bus.publish(new DatasetPoolsReported(null, null, "docker", List.of(
                new DatasetPool(name, 3, true, 3, 0, 4, null)), now));
        Api.awaitBody("/api/datasets/" + name, body -> body.getInt("ready") == 3);
        Api.awaitBody("/api/datasets", body -> !body.getList("name").contains(gone));

        bus.publish(new DatasetPoolsReported(null, null, "docker", List.of(
                new DatasetPool(name, 3, true, 0, 0, 7, null)), now.minusSeconds(60)));
        String marker = "marker-" + UUID.randomUUID().toString().substring(0, 8);
        bus.publish(new DatasetPoolsReported(null, null, "kubernetes", List.of(
                new DatasetPool(marker, 1, false, 0, 0, 0, null)), now.plusSeconds(1)));
        Api.awaitBody("/api/datasets", body -> body.getList("name").contains(marker));
        JsonPath kept = given().get("/api/datasets/" + name).then().statusCode(200).extract().jsonPath();
        assertEquals(3, kept.getInt("ready"), "a report older than the one kept is ignored");
        assertEquals(4, kept.getInt("checkedOut"));

        given().get("/api/datasets/no-such-dataset").then().statusCode(404)
                .body("message", containsString("no dataset 'no-such-dataset' has been reported"));
    }

    @Test
    void theDockerAndTheKubernetesPoolOfOneDatasetAreKeptApart() {
        String name = "shared-" + UUID.randomUUID().toString().substring(0, 8);
        OffsetDateTime now = OffsetDateTime.now();
        bus.publish(new DatasetPoolsReported(null, null, "docker", List.of(
                new DatasetPool(name, 2, true, 2, 0, 1, null)), now));
        bus.publish(new DatasetPoolsReported(null, null, "kubernetes", List.of(
                new DatasetPool(name, 3, true, 1, 2, 0, null)), now.plusSeconds(1)));
        JsonPath list = Api.awaitBody("/api/datasets", body -> body.getList("findAll { it.name == '" + name
                + "' }").size() == 2);
        assertEquals(List.of("docker", "kubernetes"), list.getList("findAll { it.name == '" + name + "' }.runtime"));
        assertEquals(List.of(2, 1), list.getList("findAll { it.name == '" + name + "' }.ready"),
                "a newer report of one runtime does not overwrite the other's pool");
        assertEquals(3, given().get("/api/datasets/" + name + "?runtime=kubernetes").then().statusCode(200)
                .extract().jsonPath().getInt("poolSize"));
        given().get("/api/datasets/" + name).then().statusCode(400)
                .body("message", containsString("[docker, kubernetes]"));

        // the kubernetes runtime no longer keeps it: only its pool is forgotten
        bus.publish(new DatasetPoolsReported(null, null, "kubernetes", List.of(), now.plusSeconds(2)));
        Api.awaitBody("/api/datasets", body -> body.getList("findAll { it.name == '" + name + "' }").size() == 1);
        assertEquals("docker", given().get("/api/datasets/" + name).then().statusCode(200).extract().jsonPath()
                .getString("runtime"));
    }
}

package dev.stagecraft.gateway;

import static dev.stagecraft.gateway.Api.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.stagecraft.infra.InfraTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Every list endpoint pages with limit and a cursor, and says what it accepts when asked for something else. */
@QuarkusTest
@WithTestResource(InfraTestResource.class)
class PagingTest {

    @Test
    void followingTheCursorVisitsEveryTokenOnceNewestFirst() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 5; i++) {
            given().contentType("application/json").body(Map.of("name", "page-" + run + "-" + i, "role", "viewer"))
                    .post("/api/tokens").then().statusCode(201);
        }
        int total = given().get("/api/tokens?limit=1000").then().statusCode(200).extract().jsonPath().getList("$").size();
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            Response page = given().queryParam("limit", 2).queryParam("after", after == null ? "" : after)
                    .get("/api/tokens");
            assertEquals(200, page.statusCode(), page.asString());
            List<String> ids = page.jsonPath().getList("id");
            assertTrue(ids.size() <= 2);
            seen.addAll(ids);
            after = page.header("X-Next-Cursor");
            if (after != null) {
                assertTrue(page.header("Link").contains("rel=\"next\""), page.header("Link"));
            }
            pages++;
        } while (after != null && pages < 1000);
        assertEquals(total, seen.size(), "every token once");
        assertEquals(total, new HashSet<>(seen).size(), "no token twice");
        List<String> names = new ArrayList<>();
        for (String id : seen) {
            String name = given().get("/api/tokens?limit=1000").jsonPath().getString("find { it.id == '" + id + "' }.name");
            if (name.startsWith("page-" + run)) {
                names.add(name);
            }
        }
        assertEquals(List.of("page-" + run + "-4", "page-" + run + "-3", "page-" + run + "-2", "page-" + run + "-1",
                "page-" + run + "-0"), names, "newest first");
    }

    @Test
    void aBadLimitOrCursorIsRefusedSayingWhatIsAccepted() {
        given().get("/api/environments?limit=0").then().statusCode(400)
                .body(containsString("limit must be between 1 and 1000"));
        given().get("/api/deliveries?limit=5000").then().statusCode(400)
                .body(containsString("limit must be between 1 and 1000"));
        given().get("/api/applications?after=not-a-cursor").then().statusCode(400)
                .body(containsString("X-Next-Cursor"));
        Response last = given().get("/api/deliveries?limit=1000");
        assertEquals(200, last.statusCode());
        assertNull(last.header("X-Next-Cursor"), "a last page has no next");
    }
}

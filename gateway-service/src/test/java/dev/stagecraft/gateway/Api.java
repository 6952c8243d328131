package dev.stagecraft.gateway;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/** Requests as the test profile's bootstrap admin; AuthTest checks what happens without a token. */
final class Api {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";

    private Api() {
    }

    static RequestSpecification given() {
        return RestAssured.given().header("Authorization", "Bearer " + ADMIN_TOKEN);
    }
}

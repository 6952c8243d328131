package dev.stagecraft.cli.gateway;

import java.net.http.HttpHeaders;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.stagecraft.cli.ExitCode;
import dev.stagecraft.cli.Json;

/** A 2xx answer of the gateway: its status, headers and body as sent. */
public record Answer(int status, HttpHeaders headers, String body) {

    /** The body as JSON; a body that is not JSON is the gateway answering something else. */
    public JsonNode json() {
        try {
            return Json.parse(body);
        } catch (JsonProcessingException e) {
            throw new ApiFailure(status, "not_json", "the gateway answered " + status + " with a body that is not"
                    + " JSON (" + e.getOriginalMessage() + "); is --url the gateway's address?",
                    List.of(), ExitCode.UNAVAILABLE);
        }
    }

    /** The header's first value, or null. */
    public String header(String name) {
        return headers.firstValue(name).orElse(null);
    }
}

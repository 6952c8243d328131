package dev.stagecraft.gateway.api;

import java.util.List;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.stagecraft.template.InvalidTemplateException;

/** Turns exceptions a client caused into {@link ApiError} responses. */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON).entity(e.body()).build();
    }

    @ServerExceptionMapper
    public Response template(InvalidTemplateException e) {
        return Response.status(422).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError("invalid_template", "the template is invalid: " + e.getMessage(), e.problems()))
                .build();
    }

    @ServerExceptionMapper
    public Response conflict(jakarta.persistence.OptimisticLockException e) {
        return Response.status(409).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError("concurrent_change",
                        "the environment changed while this request was applied; send it again", List.of()))
                .build();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return Response.status(400).type(MediaType.APPLICATION_JSON)
                .entity(new ApiError("malformed_json", "the request body is not valid JSON: " + e.getOriginalMessage(),
                        List.of()))
                .build();
    }
}

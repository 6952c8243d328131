package dev.stagecraft.gateway.api;

import java.util.List;

/** The JSON body of every error response: a stable code, a message for people, and structured details. */
public record ApiError(String error, String message, List<?> details) {
}

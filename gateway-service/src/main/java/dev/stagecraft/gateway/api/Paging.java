package dev.stagecraft.gateway.api;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.RestResponse;

/**
 * Keyset paging for list endpoints: {@code limit} (1 to 1000, default 100) and {@code after}, an opaque cursor naming
 * the last item of the previous page (a time and an id, so a page is stable while rows are added). A page that has
 * more after it says so in {@code Link: <...after=...>; rel="next"} and {@code X-Next-Cursor}; the body stays a JSON
 * array.
 */
public final class Paging {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    private Paging() {
    }

    /** Where the previous page ended. */
    public record Cursor(OffsetDateTime at, String id) {

        String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The JPQL condition and order of a newest-first page keyed by {@code time} and {@code id}, after {@code cursor}
     * (none for the first page), for {@code Entity.find(newestFirst(...), params)}; binds {@code :at} and {@code :id}
     * in {@code params} when there is a cursor.
     */
    public static String newestFirst(String time, Cursor cursor, Map<String, Object> params) {
        String order = " order by " + time + " desc, id desc";
        if (cursor == null) {
            return "1 = 1" + order;
        }
        params.put("at", cursor.at());
        params.put("id", cursor.id());
        return "(" + time + " < :at or (" + time + " = :at and id < :id))" + order;
    }

    public static int limit(Integer limit) {
        int value = limit == null ? DEFAULT_LIMIT : limit;
        if (value < 1 || value > MAX_LIMIT) {
            throw ApiException.badRequest("limit must be between 1 and " + MAX_LIMIT + ", found " + value);
        }
        return value;
    }

    /** The cursor in {@code after}, or null for the first page. */
    public static Cursor after(String after) {
        if (after == null || after.isBlank()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.UTF_8);
            int bar = text.indexOf('|');
            return new Cursor(OffsetDateTime.parse(text.substring(0, bar)), text.substring(bar + 1));
        } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw ApiException.badRequest("after '" + after + "' is not a cursor this API gave out; use the value of"
                    + " X-Next-Cursor (or the Link header) of the previous page");
        }
    }

    /**
     * The page for {@code fetched} (up to {@code limit + 1} items in order: one more than asked tells that there is
     * a next page), as a response with the next page's link when there is one.
     */
    public static <T, V> RestResponse<List<V>> page(List<T> fetched, int limit, Function<T, Cursor> cursorOf,
            Function<T, V> view, UriInfo uri) {
        List<T> page = fetched.subList(0, Math.min(limit, fetched.size()));
        RestResponse.ResponseBuilder<List<V>> response = RestResponse.ResponseBuilder.ok(page.stream().map(view).toList());
        if (fetched.size() > limit) {
            String next = cursorOf.apply(page.get(page.size() - 1)).encode();
            response.header("X-Next-Cursor", next);
            response.header("Link", "<" + uri.getRequestUriBuilder().replaceQueryParam("after", next)
                    .replaceQueryParam("limit", limit).build() + ">; rel=\"next\"");
        }
        return response.build();
    }
}

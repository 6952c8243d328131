package dev.stagecraft.gateway.api;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.RestResponse;

import io.quarkus.hibernate.orm.panache.PanacheQuery;

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

    /** An entity's {@code find(query, params)}, e.g. {@code (query, params) -> Delivery.find(query, params)}. */
    @FunctionalInterface
    public interface Finder<E> {
        PanacheQuery<E> find(String query, Map<String, Object> params);
    }

    /**
     * The page {@code limit} and {@code after} ask for of rows newest first, keyed by their {@code time} field and
     * their id; narrow it with {@link NewestFirst#where} and {@link NewestFirst#within}, then {@link NewestFirst#list}.
     */
    public static NewestFirst newestFirst(String time, Integer limit, String after) {
        return new NewestFirst(time, limit(limit), after(after));
    }

    /** A newest-first page of one entity's rows: where it starts, how long it is, and what narrows the rows. */
    public static final class NewestFirst {

        private final String time;
        private final int limit;
        private final Cursor cursor;
        private final StringBuilder conditions = new StringBuilder();
        private final Map<String, Object> params = new HashMap<>();

        private NewestFirst(String time, int limit, Cursor cursor) {
            this.time = time;
            this.limit = limit;
            this.cursor = cursor;
        }

        /** Keeps the rows {@code condition} accepts, with {@code :name} bound to {@code value}. */
        public NewestFirst where(String condition, String name, Object value) {
            conditions.append(condition).append(" and ");
            params.put(name, value);
            return this;
        }

        /**
         * Keeps the rows of the applications a caller limited to {@code scope} may see ({@code field} holds the
         * application's id); a null scope keeps every row.
         */
        public NewestFirst within(Set<String> scope, String field) {
            // "in" needs at least one value: an empty scope matches no id
            return scope == null ? this : where(field + " in :scope", "scope", scope.isEmpty() ? Set.of("") : scope);
        }

        /** Fetches the page with {@code find} and answers it as {@link Paging#page} does. */
        public <E, V> RestResponse<List<V>> list(Finder<E> find, Function<E, Cursor> cursorOf, Function<E, V> view,
                UriInfo uri) {
            return listPage(find, cursorOf, rows -> rows.stream().map(view).toList(), uri);
        }

        /** As {@link #list}, with the views of the page's rows made together (a query for the page, not per row). */
        public <E, V> RestResponse<List<V>> listPage(Finder<E> find, Function<E, Cursor> cursorOf,
                Function<List<E>, List<V>> views, UriInfo uri) {
            String query = conditions + "1 = 1";
            if (cursor != null) {
                query = query + " and (" + time + " < :at or (" + time + " = :at and id < :id))";
                params.put("at", cursor.at());
                params.put("id", cursor.id());
            }
            List<E> fetched = find.find(query + " order by " + time + " desc, id desc", params).page(0, limit + 1)
                    .list();
            return pageOf(fetched, limit, cursorOf, views, uri);
        }
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
        return pageOf(fetched, limit, cursorOf, rows -> rows.stream().map(view).toList(), uri);
    }

    private static <T, V> RestResponse<List<V>> pageOf(List<T> fetched, int limit, Function<T, Cursor> cursorOf,
            Function<List<T>, List<V>> views, UriInfo uri) {
        List<T> page = fetched.subList(0, Math.min(limit, fetched.size()));
        RestResponse.ResponseBuilder<List<V>> response = RestResponse.ResponseBuilder.ok(views.apply(page));
        if (fetched.size() > limit) {
            String next = cursorOf.apply(page.get(page.size() - 1)).encode();
            response.header("X-Next-Cursor", next);
            response.header("Link", "<" + uri.getRequestUriBuilder().replaceQueryParam("after", next)
                    .replaceQueryParam("limit", limit).build() + ">; rel=\"next\"");
        }
        return response.build();
    }
}

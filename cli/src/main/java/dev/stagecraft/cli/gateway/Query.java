package dev.stagecraft.cli.gateway;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The query string of a request, in the order the parameters were added; parameters without a value are left out. */
public final class Query {

    private final List<String> pairs = new ArrayList<>();

    private Query() {
    }

    public static Query of() {
        return new Query();
    }

    /** Adds {@code name=value} unless {@code value} is null. */
    public Query and(String name, Object value) {
        if (value != null) {
            pairs.add(encode(name) + "=" + encode(value.toString()));
        }
        return this;
    }

    /** {@code ?a=1&b=2}, or the empty string. */
    @Override
    public String toString() {
        return pairs.isEmpty() ? "" : "?" + String.join("&", pairs);
    }

    /** {@code text} encoded for a path segment or a query value: an id a person typed never changes the route. */
    public static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

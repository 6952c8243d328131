package dev.stagecraft.runtime.datasets;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.runtime.datasets.Dataset.Engine;

/**
 * How every service of an environment reaches the databases of its dataset copies, the same on every runtime: for
 * each dataset {@code <DATASET>_DATABASE_URL} ({@code postgresql://} or {@code mysql://user:password@host:port/database},
 * each part percent-encoded where it must be), {@code _HOST}, {@code _PORT}, {@code _USER}, {@code _PASSWORD} and
 * {@code _NAME}; with one dataset also {@code DATABASE_URL} and the engine client's own variables (libpq's
 * {@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGDATABASE}; for MySQL
 * {@code MYSQL_HOST}, {@code MYSQL_TCP_PORT} and {@code MYSQL_PWD}, which its clients read, and {@code MYSQL_USER},
 * {@code MYSQL_PASSWORD}, {@code MYSQL_DATABASE}).
 */
public final class ConnectionVariables {

    private ConnectionVariables() {
    }

    /** A copy of dataset {@code dataset} as a service serves it: its engine, database and the role that owns it. */
    public record Copy(String dataset, Engine engine, String database, String user, String password) {
    }

    /** The variables for {@code served}: the copy each database service serves, by service, at its port. */
    public static Map<String, String> of(EnvironmentSpec spec, Map<String, Copy> served) {
        Map<String, String> vars = new TreeMap<>();
        served.forEach((service, copy) -> {
            int port = spec.services().stream().filter(s -> s.name().equals(service)).mapToInt(ServiceSpec::port)
                    .filter(p -> p > 0).findFirst().orElse(copy.engine().port());
            vars.putAll(of(copy, service, port, served.size() == 1));
        });
        return vars;
    }

    /** The variables of one copy served at {@code host:port}; {@code only}: it is the environment's one dataset. */
    public static Map<String, String> of(Copy copy, String host, int port, boolean only) {
        Map<String, String> vars = new TreeMap<>();
        String url = copy.engine().scheme() + "://" + encoded(copy.user()) + ":" + encoded(copy.password()) + "@"
                + host + ":" + port + "/" + encoded(copy.database());
        String prefix = prefix(copy.dataset());
        vars.put(prefix + "_URL", url);
        vars.put(prefix + "_HOST", host);
        vars.put(prefix + "_PORT", Integer.toString(port));
        vars.put(prefix + "_USER", copy.user());
        vars.put(prefix + "_PASSWORD", copy.password());
        vars.put(prefix + "_NAME", copy.database());
        if (only) {
            vars.put("DATABASE_URL", url);
            switch (copy.engine()) {
                case POSTGRESQL -> {
                    vars.put("PGHOST", host);
                    vars.put("PGPORT", Integer.toString(port));
                    vars.put("PGUSER", copy.user());
                    vars.put("PGPASSWORD", copy.password());
                    vars.put("PGDATABASE", copy.database());
                }
                case MYSQL -> {
                    vars.put("MYSQL_HOST", host);
                    vars.put("MYSQL_TCP_PORT", Integer.toString(port));
                    vars.put("MYSQL_PWD", copy.password());
                    vars.put("MYSQL_USER", copy.user());
                    vars.put("MYSQL_PASSWORD", copy.password());
                    vars.put("MYSQL_DATABASE", copy.database());
                }
                default -> throw new IllegalArgumentException(copy.engine().toString());
            }
        }
        return vars;
    }

    /** {@code <DATASET>_DATABASE}: the dataset's name upper-cased, dashes as underscores. */
    public static String prefix(String dataset) {
        return dataset.toUpperCase(Locale.ROOT).replace('-', '_') + "_DATABASE";
    }

    /** {@code text} percent-encoded for a URL's user information or path: all but RFC 3986's unreserved. */
    static String encoded(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}

package dev.stagecraft.runtime.datasets;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;

/**
 * How every service of an environment reaches the databases of its dataset copies, the same on every runtime: for
 * each dataset {@code <DATASET>_DATABASE_URL} ({@code postgresql://user:password@service:port/database}),
 * {@code _HOST}, {@code _PORT}, {@code _USER}, {@code _PASSWORD} and {@code _NAME}; with one dataset also
 * {@code DATABASE_URL} and libpq's {@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD},
 * {@code PGDATABASE}.
 */
public final class ConnectionVariables {

    private ConnectionVariables() {
    }

    /** A copy of dataset {@code dataset} as a service serves it: its database and the role that owns it. */
    public record Copy(String dataset, String database, String user, String password) {
    }

    /** The variables for {@code served}: the copy each database service serves, by service. */
    public static Map<String, String> of(EnvironmentSpec spec, Map<String, Copy> served) {
        Map<String, String> vars = new TreeMap<>();
        served.forEach((service, dataset) -> {
            int port = spec.services().stream().filter(s -> s.name().equals(service)).mapToInt(ServiceSpec::port)
                    .filter(p -> p > 0).findFirst().orElse(5432);
            String url = "postgresql://" + dataset.user() + ":" + dataset.password() + "@" + service + ":" + port + "/"
                    + dataset.database();
            String prefix = prefix(dataset.dataset());
            vars.put(prefix + "_URL", url);
            vars.put(prefix + "_HOST", service);
            vars.put(prefix + "_PORT", Integer.toString(port));
            vars.put(prefix + "_USER", dataset.user());
            vars.put(prefix + "_PASSWORD", dataset.password());
            vars.put(prefix + "_NAME", dataset.database());
            if (served.size() == 1) {
                vars.put("DATABASE_URL", url);
                vars.put("PGHOST", service);
                vars.put("PGPORT", Integer.toString(port));
                vars.put("PGUSER", dataset.user());
                vars.put("PGPASSWORD", dataset.password());
                vars.put("PGDATABASE", dataset.database());
            }
        });
        return vars;
    }

    /** {@code <DATASET>_DATABASE}: the dataset's name upper-cased, dashes as underscores. */
    public static String prefix(String dataset) {
        return dataset.toUpperCase(Locale.ROOT).replace('-', '_') + "_DATABASE";
    }
}

package dev.stagecraft.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the stack knows of an environment that did not get where a test waited for it to go, in one line for the
 * failure message: each stage's runs of the environment (status, owner, attempts, lease, cancel reason), the rows
 * waiting in each service's outbox, parked messages, the services that are not running, and the last warnings each
 * service logged about the environment. A test run on a machine nobody can look at afterwards says where the
 * workflow stopped.
 */
final class StackDiagnosis {

    private static final List<String> STAGES = List.of("build", "setup", "patch", "teardown");
    private static final int LINE = 180;

    private StackDiagnosis() {
    }

    static String of(Stack stack, String environmentId) {
        List<String> parts = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), "")) {
            for (String stage : STAGES) {
                runs(db, stage, environmentId, parts);
            }
            for (String schema : StagecraftServices.SERVICES) {
                waiting(db, schema, parts);
            }
        } catch (SQLException | RuntimeException e) {
            parts.add("database not read: " + e.getMessage());
        }
        for (String service : StagecraftServices.SERVICES) {
            if (!stack.services.alive(service)) {
                parts.add(service + " is not running");
            }
            warnings(stack, service, environmentId, parts);
        }
        return String.join("; ", parts);
    }

    private static void runs(Connection db, String stage, String environmentId, List<String> parts)
            throws SQLException {
        try (PreparedStatement query = db.prepareStatement("select workflow_id, status, owner, attempts,"
                + " extract(epoch from lease_until - now()), cancel_reason, finished_at is not null from " + stage
                + ".stage_run where environment_id = ? order by accepted_at desc limit 3")) {
            query.setString(1, environmentId);
            try (ResultSet rs = query.executeQuery()) {
                if (!rs.isBeforeFirst()) {
                    parts.add("no " + stage + " run");
                }
                while (rs.next()) {
                    String lease = rs.getString(5) == null ? "none" : String.format("%+.0fs", rs.getDouble(5));
                    parts.add(String.format("%s run %.8s %s owner=%s attempts=%d lease=%s cancel=%s finished=%s",
                            stage, rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), lease,
                            rs.getString(6), rs.getBoolean(7)));
                }
            }
        }
    }

    private static void waiting(Connection db, String schema, List<String> parts) throws SQLException {
        try (ResultSet rs = db.createStatement().executeQuery("select count(*), extract(epoch from now() - min(ce_time)),"
                + " (select count(*) from " + schema + ".outbox_parked) from " + schema + ".outbox_message")) {
            rs.next();
            if (rs.getLong(1) > 0 || rs.getLong(3) > 0) {
                parts.add(String.format("%s outbox %d rows (oldest %.0fs), %d parked", schema, rs.getLong(1),
                        rs.getDouble(2), rs.getLong(3)));
            }
        }
    }

    /** The service's last two warnings or errors that name the environment. */
    private static void warnings(Stack stack, String service, String environmentId, List<String> parts) {
        try (Stream<String> lines = Files.lines(stack.services.log(service))) {
            List<String> named = lines.filter(l -> l.contains(environmentId) && (l.contains(" WARN ")
                    || l.contains(" ERROR "))).toList();
            named.subList(Math.max(0, named.size() - 2), named.size()).forEach(l -> parts.add(service + " logged: "
                    + (l.length() > LINE ? l.substring(0, LINE) : l)));
        } catch (IOException | RuntimeException e) {
            parts.add(service + " log not read: " + e.getMessage());
        }
    }
}

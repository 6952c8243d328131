package dev.stagecraft.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The environment list under a full database, without the scale test's 25 minutes: one pull request made READY (an
 * environment with its build and setup workflows), then copies of it and of its workflows (deleted ones, as the
 * history of a busy installation) until the database holds {@code environments} of them, each copy newer than the
 * last; then {@code requests} calls of
 * {@code GET /api/environments} (the default page of 100, each environment with its workflows), one after another,
 * after 20 calls of warm-up. Prints p50, p90, p99 and max. Usage: deploy/bench/list.sh [environments] [requests].
 */
public final class ListMain {

    private ListMain() {
    }

    public static void main(String[] args) {
        int environments = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        try (Stack stack = Stack.forBenchmark("list")) {
            String app = stack.registerSample("list");
            stack.repository.branch("list");
            String head = stack.repository.commit("list", Map.of("web/index.html", "list\n"), "list");
            PullRequestFlow pr = new PullRequestFlow(stack, app, 1, "list");
            String original = pr.open(head);
            pr.awaitReady();
            try (Connection db = DriverManager.getConnection(stack.infra.jdbcUrl(), stack.infra.jdbcUser(), "")) {
                copy(db, original, environments - 1);
            }
            for (int i = 0; i < 20; i++) {
                get(stack);
            }
            List<Double> millis = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                long t = System.nanoTime();
                get(stack);
                millis.add((System.nanoTime() - t) / 1e6);
            }
            List<Double> sorted = millis.stream().sorted().toList();
            System.out.printf("GET /api/environments (page of 100, %d environments with 2+ workflows each, %d calls):"
                    + " p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", environments, requests,
                    LoadMain.pct(sorted, 0.5), LoadMain.pct(sorted, 0.9), LoadMain.pct(sorted, 0.99),
                    LoadMain.pct(sorted, 1.0));
            System.exit(0);
        } catch (Exception e) {
            System.err.println("list: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void get(Stack stack) throws Exception {
        GatewayClient.Answer answer = stack.gateway.get("/api/environments");
        if (answer.status() != 200) {
            throw new IllegalStateException("GET /api/environments answered " + answer.status());
        }
    }

    /** Copies the environment {@code original} {@code count} times, its workflows with it, each copy a second newer. */
    private static void copy(Connection db, String original, int count) throws Exception {
        copyRows(db, "environment", "id", original, count, Map.of("id", "'copy-' || g",
                "state", "'DELETED'", // one live environment per pull request: the copies are history
                "created_at", "r.created_at + g * interval '1 second'"));
        copyRows(db, "workflow", "environment_id", original, count, Map.of("id", "r.id || '-copy-' || g",
                "environment_id", "'copy-' || g"));
    }

    /**
     * Inserts {@code count} copies of the rows of {@code gateway.<table>} whose {@code key} is {@code value}: the
     * columns {@code computed} names get its SQL ({@code r} the row copied, {@code g} the copy's number from 1), the
     * others are copied as they are.
     */
    static void copyRows(Connection db, String table, String key, String value, int count,
            Map<String, String> computed) throws Exception {
        List<String> columns = columns(db, table);
        String values = columns.stream().map(c -> computed.getOrDefault(c, "r." + c))
                .collect(Collectors.joining(", "));
        try (PreparedStatement insert = db.prepareStatement("insert into gateway." + table + " ("
                + String.join(", ", columns) + ") select " + values + " from gateway." + table + " r,"
                + " generate_series(1, ?) g where r." + key + " = ?")) {
            insert.setInt(1, count);
            insert.setString(2, value);
            insert.executeUpdate();
        }
    }

    private static List<String> columns(Connection db, String table) throws Exception {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement("select column_name from information_schema.columns"
                + " where table_schema = 'gateway' and table_name = ? order by ordinal_position")) {
            query.setString(1, table);
            try (ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }
}

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
        List<String> envColumns = columns(db, "environment");
        String envValues = envColumns.stream().map(c -> switch (c) {
            case "id" -> "'copy-' || g";
            case "state" -> "'DELETED'"; // one live environment per pull request: the copies are history
            case "created_at" -> "e.created_at + g * interval '1 second'";
            default -> "e." + c;
        }).collect(Collectors.joining(", "));
        try (PreparedStatement insert = db.prepareStatement("insert into gateway.environment ("
                + String.join(", ", envColumns) + ") select " + envValues + " from gateway.environment e,"
                + " generate_series(1, ?) g where e.id = ?")) {
            insert.setInt(1, count);
            insert.setString(2, original);
            insert.executeUpdate();
        }
        List<String> wfColumns = columns(db, "workflow");
        String wfValues = wfColumns.stream().map(c -> switch (c) {
            case "id" -> "w.id || '-copy-' || g";
            case "environment_id" -> "'copy-' || g";
            default -> "w." + c;
        }).collect(Collectors.joining(", "));
        try (PreparedStatement insert = db.prepareStatement("insert into gateway.workflow ("
                + String.join(", ", wfColumns) + ") select " + wfValues + " from gateway.workflow w,"
                + " generate_series(1, ?) g where w.environment_id = ?")) {
            insert.setInt(1, count);
            insert.setString(2, original);
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

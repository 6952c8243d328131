package dev.stagecraft.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server from the system binaries, run as the {@code postgres} user when this process is root
 * (PostgreSQL refuses to run as root), listening on loopback only, with trust authentication for loopback.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String DATABASE = "stagecraft";
    public static final String USER = "postgres";

    private final Path dataDir;
    private final int port;
    private final Path binDir;
    private Process server;

    public PostgresServer(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
        this.binDir = findBinaries();
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    private static Path findBinaries() {
        String configured = System.getenv("STAGECRAFT_PG_BIN");
        List<Path> candidates = new ArrayList<>();
        if (configured != null && !configured.isBlank()) {
            candidates.add(Paths.get(configured));
        }
        for (String version : List.of("17", "16", "15", "14")) {
            candidates.add(Paths.get("/usr/lib/postgresql/" + version + "/bin"));
        }
        return candidates.stream().filter(p -> Files.isExecutable(p.resolve("postgres"))).findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "PostgreSQL server binaries not found in " + candidates
                                + "; install postgresql (apt-get install postgresql) or set STAGECRAFT_PG_BIN"));
    }

    public PostgresServer start() {
        try {
            boolean fresh = !Files.exists(dataDir.resolve("PG_VERSION"));
            Files.createDirectories(dataDir);
            handToPostgresUser(dataDir);
            if (fresh) {
                run(List.of(binDir.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", USER,
                        "-A", "trust", "-E", "UTF8", "--no-sync"), 120);
            }
            List<String> cmd = List.of(binDir.resolve("postgres").toString(), "-D", dataDir.toString(),
                    "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", dataDir.toString(),
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "max_connections=300");
            server = asPostgresUser(cmd).redirectErrorStream(true)
                    .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile()).start();
            awaitAcceptingConnections();
            createDatabase();
            return this;
        } catch (IOException | InterruptedException | SQLException e) {
            throw new IllegalStateException("PostgreSQL did not start on port " + port + " in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void handToPostgresUser(Path dir) throws IOException, InterruptedException {
        if (isRoot()) {
            Path parent = dir.getParent();
            // postgres must be able to reach the data directory and write its log beside it
            new ProcessBuilder("chmod", "o+rx", parent.toString()).inheritIO().start().waitFor();
            new ProcessBuilder("chown", "-R", USER + ":", dir.toString()).inheritIO().start().waitFor();
            new ProcessBuilder("chmod", "700", dir.toString()).inheritIO().start().waitFor();
            Path log = dir.resolveSibling(dir.getFileName() + ".log");
            if (!Files.exists(log)) {
                Files.createFile(log);
            }
            new ProcessBuilder("chown", USER + ":", log.toString()).inheritIO().start().waitFor();
        }
    }

    private static ProcessBuilder asPostgresUser(List<String> cmd) {
        List<String> full = new ArrayList<>();
        if (isRoot()) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(cmd);
        return new ProcessBuilder(full);
    }

    private static void run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = asPostgresUser(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private void awaitAcceptingConnections() throws InterruptedException, SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new SQLException("postgres exited with " + server.exitValue() + "; see its log beside " + dataDir);
            }
            try (Connection ignored = DriverManager.getConnection(adminUrl(), USER, "")) {
                return;
            } catch (SQLException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new SQLException("postgres did not accept connections within 60s", last);
    }

    private String adminUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    private void createDatabase() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl(), USER, "");
             var exists = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, DATABASE);
            if (!exists.executeQuery().next()) {
                c.createStatement().execute("create database " + DATABASE);
            }
        }
    }

    @Override
    public void close() {
        if (server != null && server.isAlive()) {
            // SIGTERM is PostgreSQL's "smart shutdown"; SIGINT ("fast") is what we want, but runuser forwards TERM
            server.destroy();
            try {
                if (!server.waitFor(30, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

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
 *
 * <p>{@link Durability#DURABLE} keeps PostgreSQL's defaults (fsync, synchronous commit, full page writes): what
 * is committed survives a crash of the server and of the machine. {@link Durability#TEST_SPEED}, for test suites
 * only, turns fsync and full page writes off and keeps synchronous commit: a commit is in the operating system's
 * hands before it is acknowledged, so it survives a crash of the server (what the fault injection tests do to it),
 * not one of the machine. With synchronous commit off, a crash loses the last few hundred milliseconds of
 * acknowledged commits, which no production server does: a stage service's run vanishes under it while its command
 * is already committed in Kafka, and its environment waits for ever.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String DATABASE = "stagecraft";
    public static final String USER = "postgres";
    private static final int BIND_ATTEMPTS = 5;

    /** Whether commits survive a crash of the machine (both survive one of the server). */
    public enum Durability { DURABLE, TEST_SPEED }

    private final Path dataDir;
    private final int requestedPort;
    private final Durability durability;
    private final Path binDir;
    private volatile int port;
    private volatile Process server;

    /** A server on {@code port}, or on a free port when it is 0 (another one is tried if that is taken meanwhile). */
    public PostgresServer(Path dataDir, int port, Durability durability) {
        this.dataDir = dataDir;
        this.requestedPort = port;
        this.port = port;
        this.durability = durability;
        this.binDir = findBinaries();
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** The folder of the PostgreSQL server binaries: {@code STAGECRAFT_PG_BIN}, else the newest installed. */
    public static Path findBinaries() {
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
                List<String> initdb = new ArrayList<>(List.of(binDir.resolve("initdb").toString(), "-D",
                        dataDir.toString(), "-U", USER, "-A", "trust", "-E", "UTF8"));
                if (durability == Durability.TEST_SPEED) {
                    initdb.add("--no-sync");
                }
                run(initdb, 120);
            }
            for (int attempt = 1; ; attempt++) {
                port = requestedPort != 0 ? requestedPort : FreePorts.find();
                try {
                    launch();
                    break;
                } catch (PortTakenException taken) {
                    if (requestedPort != 0 || attempt == BIND_ATTEMPTS) {
                        throw taken;
                    }
                }
            }
            createDatabase();
            return this;
        } catch (IOException | InterruptedException | SQLException e) {
            throw new IllegalStateException("PostgreSQL did not start on port " + port + " in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private void launch() throws IOException, InterruptedException, SQLException {
        List<String> cmd = new ArrayList<>(List.of(binDir.resolve("postgres").toString(), "-D", dataDir.toString(),
                "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", dataDir.toString(),
                "-c", "max_connections=300"));
        if (durability == Durability.TEST_SPEED) {
            cmd.addAll(List.of("-c", "fsync=off", "-c", "synchronous_commit=on", "-c", "full_page_writes=off"));
        } else {
            cmd.addAll(List.of("-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on"));
        }
        Path log = logFile();
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        server = asPostgresUser(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            awaitAcceptingConnections();
        } catch (SQLException e) {
            String written = Files.readString(log).substring((int) Math.min(logStart, Files.size(log)));
            if (!server.isAlive() && written.contains("Address already in use")) {
                throw new PortTakenException("port " + port + " is taken", e);
            }
            throw e;
        }
    }

    private Path logFile() {
        return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    /** The server process is running. */
    public boolean isAlive() {
        Process p = server;
        return p != null && p.isAlive();
    }

    /**
     * Stops the server the way a crash would ({@code pg_ctl stop -m immediate}: no checkpoint, recovery from the WAL
     * at the next start), then starts it again on the same port.
     */
    public void crashAndRestart() {
        try {
            run(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-D", dataDir.toString(), "-m", "immediate"), 60);
            server.waitFor(30, TimeUnit.SECONDS);
            launch();
        } catch (IOException | InterruptedException | SQLException e) {
            throw new IllegalStateException("PostgreSQL did not restart on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server the way a crash would ({@code pg_ctl stop -m immediate}); {@link #restartIfStopped()} starts it. */
    public void crash() {
        try {
            run(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-D", dataDir.toString(), "-m", "immediate"), 60);
            server.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("PostgreSQL on port " + port + " did not stop: " + e.getMessage(), e);
        }
    }

    /** Starts the server again after it stopped on its own (a crash or an operator's {@code pg_ctl stop}). */
    public synchronized void restartIfStopped() {
        if (isAlive()) {
            return;
        }
        try {
            launch();
        } catch (IOException | InterruptedException | SQLException e) {
            throw new IllegalStateException("PostgreSQL did not restart on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** PostgreSQL could not listen because another process holds the port. */
    static final class PortTakenException extends SQLException {
        PortTakenException(String message, Throwable cause) {
            super(message, cause);
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
        // own session: a Ctrl-C in the terminal reaches the launcher, which stops the server when it is done with it
        List<String> full = new ArrayList<>(List.of("setsid"));
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
        Process p = server;
        if (p == null || !p.isAlive()) {
            return;
        }
        try {
            // "fast": roll back open transactions and disconnect clients; SIGTERM would wait for every client to leave
            run(List.of(binDir.resolve("pg_ctl").toString(), "stop", "-D", dataDir.toString(), "-m", "fast", "-t", "60"), 90);
        } catch (IOException e) {
            p.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

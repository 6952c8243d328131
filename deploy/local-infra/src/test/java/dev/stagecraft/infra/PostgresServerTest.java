package dev.stagecraft.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.stagecraft.infra.PostgresServer.Durability;

class PostgresServerTest {

    private static final int COMMITS = 300;

    /**
     * The fault injection tests crash the server in the middle of workflows and expect every acknowledged commit to
     * be there afterwards, as on a production server. With synchronous commit off, the commits of the last few hundred
     * milliseconds before the crash are gone.
     */
    @Test
    void everyCommitAcknowledgedBeforeACrashOfTheServerIsThereAfterItAtTestSpeed() throws Exception {
        Path dir = Files.createTempDirectory("stagecraft-pg-crash-");
        try (PostgresServer server = new PostgresServer(dir.resolve("postgres"), 0, Durability.TEST_SPEED).start()) {
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(), PostgresServer.USER, "")) {
                c.createStatement().execute("create table acknowledged (n integer)");
                for (int i = 0; i < COMMITS; i++) { // autocommit: each insert is a commit of its own
                    c.createStatement().execute("insert into acknowledged values (" + i + ")");
                }
            }
            server.crash();
            server.restartIfStopped();
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(), PostgresServer.USER, "");
                    ResultSet rs = c.createStatement().executeQuery("select count(*) from acknowledged")) {
                rs.next();
                assertEquals(COMMITS, rs.getInt(1), "acknowledged commits after the crash");
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

package dev.stagecraft.gateway.sleep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The router's access log read as Caddy writes and rolls it. */
class RouterActivityTest {

    private static String line(String host, String ts) {
        return "{\"level\":\"info\",\"ts\":" + ts + ",\"logger\":\"http.log.access\",\"msg\":\"handled request\","
                + "\"request\":{\"remote_ip\":\"127.0.0.1\",\"method\":\"GET\",\"host\":\"" + host + "\",\"uri\":\"/\"},"
                + "\"status\":200}\n";
    }

    @Test
    void eachReadGoesOnFromTheLastCompleteLineAndARolledLogIsReadFromItsStart(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        RouterActivity activity = new RouterActivity(log);
        assertTrue(activity.read().isEmpty(), "no log yet: nothing seen");

        Files.writeString(log, line("Web-A.localhost:8080", "1795915187.5") + line("web-a.localhost", "1795915100.25")
                + "not json\n" + line("api-a.localhost", "1795915190") + "{\"ts\":17959152");
        Map<String, Instant> first = activity.read();
        assertEquals(Map.of("web-a.localhost", Instant.ofEpochSecond(1795915187, 500_000_000),
                "api-a.localhost", Instant.ofEpochSecond(1795915190)), first, "the latest request per host name");

        // the half-written line is finished: read then, and nothing before it again
        Files.writeString(log, "00,\"request\":{\"host\":\"web-b.localhost\"}}\n", StandardOpenOption.APPEND);
        assertEquals(Map.of("web-b.localhost", Instant.ofEpochSecond(1795915200)), activity.read());
        assertTrue(activity.read().isEmpty());

        // rolled: the old file moved away, a new one begun
        Files.move(log, dir.resolve("access-1.log"));
        Files.writeString(log, line("web-c.localhost", "1795915300"));
        assertEquals(Map.of("web-c.localhost", Instant.ofEpochSecond(1795915300)), activity.read());
    }

    @Test
    void aHostHeaderBecomesTheHostNameRoutesMatch() {
        assertEquals("web-1.localhost", RouterActivity.host("Web-1.Localhost:8080"));
        assertEquals("shop.example.test", RouterActivity.host("shop.example.test."));
        assertEquals("[::1]", RouterActivity.host("[::1]:80"));
    }
}

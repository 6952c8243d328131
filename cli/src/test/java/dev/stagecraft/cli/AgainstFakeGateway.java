package dev.stagecraft.cli;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * For each test: a fake gateway that knows one token, and the CLI pointed at it with that token and a home of its
 * own.
 */
abstract class AgainstFakeGateway {

    @TempDir
    Path home;

    FakeGateway gateway;
    Cli cli;

    /** The token the fake gateway accepts and the CLI sends (its role says what the tests act as). */
    abstract String token();

    @BeforeEach
    void startGateway() throws Exception {
        gateway = new FakeGateway(token());
        cli = new Cli(home).variable("STAGECRAFT_URL", gateway.url()).variable("STAGECRAFT_TOKEN", token());
    }

    @AfterEach
    void stopGateway() {
        gateway.close();
    }
}

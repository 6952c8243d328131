package dev.stagecraft.gateway.environments;

import java.time.Clock;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The time the gateway decides by: the system's, in UTC; a test stands at any moment by providing another. */
public class Clocks {

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}

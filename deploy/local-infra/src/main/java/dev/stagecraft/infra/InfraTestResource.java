package dev.stagecraft.infra;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Quarkus test resource: points a service under test at this JVM's shared Kafka and PostgreSQL. */
public class InfraTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return LocalInfra.shared().serviceConfig();
    }

    @Override
    public void stop() {
        // the shared infrastructure outlives one application start; a JVM shutdown hook stops it
    }
}

package dev.stagecraft.infra;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs Kafka and PostgreSQL for local development until interrupted.
 * Arguments: data directory, Kafka port, PostgreSQL port.
 */
public final class LocalInfraMain {

    private LocalInfraMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path root = Path.of(args.length > 0 ? args[0] : ".stagecraft/local");
        int kafkaPort = args.length > 1 ? Integer.parseInt(args[1]) : 9092;
        int postgresPort = args.length > 2 ? Integer.parseInt(args[2]) : 15432;
        LocalInfra infra = LocalInfra.start(root.toAbsolutePath(), kafkaPort, postgresPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            infra.close();
            stopped.countDown();
        }));
        System.out.println("READY kafka=" + infra.kafkaBootstrapServers() + " jdbc=" + infra.jdbcUrl());
        stopped.await();
    }
}

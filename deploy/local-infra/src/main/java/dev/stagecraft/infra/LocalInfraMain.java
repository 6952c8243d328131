package dev.stagecraft.infra;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.stagecraft.infra.PostgresServer.Durability;

/**
 * Runs Kafka and PostgreSQL for a long-running local Stagecraft until interrupted, durably: PostgreSQL with fsync,
 * synchronous commit and full page writes, restarted when it stops on its own.
 * Arguments: data directory, Kafka port, PostgreSQL port. Prints one {@code READY kafka=... jdbc=...} line.
 */
public final class LocalInfraMain {

    private LocalInfraMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path root = Path.of(args.length > 0 ? args[0] : ".stagecraft/local");
        int kafkaPort = args.length > 1 ? Integer.parseInt(args[1]) : 9092;
        int postgresPort = args.length > 2 ? Integer.parseInt(args[2]) : 15432;
        LocalInfra infra = LocalInfra.start(root.toAbsolutePath(), kafkaPort, postgresPort, Durability.DURABLE);
        CountDownLatch stopping = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.countDown();
            infra.close();
            stopped.countDown();
        }));
        System.out.println("READY kafka=" + infra.kafkaBootstrapServers() + " jdbc=" + infra.jdbcUrl()
                + " kafka-credentials=" + infra.kafka().credentials().file());
        System.out.flush();
        while (!stopping.await(1, TimeUnit.SECONDS)) {
            if (!infra.postgres().isAlive() && stopping.getCount() > 0) {
                System.out.println("PostgreSQL stopped; starting it again");
                try {
                    infra.postgres().restartIfStopped();
                    System.out.println("PostgreSQL is back on " + infra.jdbcUrl());
                } catch (RuntimeException e) {
                    System.out.println("PostgreSQL did not restart: " + e.getMessage() + "; trying again");
                }
            }
        }
        stopped.await();
    }
}

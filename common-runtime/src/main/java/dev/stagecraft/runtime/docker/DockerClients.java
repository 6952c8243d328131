package dev.stagecraft.runtime.docker;

import java.time.Duration;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;

/** Creates docker-java clients for a Docker engine address such as {@code unix:///var/run/docker.sock}. */
public final class DockerClients {

    private DockerClients() {
    }

    /** The engine {@code DOCKER_HOST} names, else the system engine's socket. */
    public static DockerClient fromEnvironment() {
        String host = System.getenv("DOCKER_HOST");
        return create(host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host);
    }

    public static DockerClient create(String dockerHost) {
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost).build();
        ZerodepDockerHttpClient http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .maxConnections(50)
                .connectionTimeout(Duration.ofSeconds(10))
                .responseTimeout(Duration.ofMinutes(30))
                .build();
        return DockerClientImpl.getInstance(config, http);
    }
}

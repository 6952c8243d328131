package dev.stagecraft.runtime;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.runtime.docker.DockerClients;
import dev.stagecraft.runtime.docker.DockerRuntime;
import dev.stagecraft.runtime.docker.PortAllocator;

/** Makes the Docker client and the environment runtime available to the services that use them. */
@ApplicationScoped
public class RuntimeProducer {

    @ConfigProperty(name = "stagecraft.docker.host", defaultValue = "unix:///var/run/docker.sock")
    String dockerHost;

    @ConfigProperty(name = "stagecraft.runtime.docker.public-host", defaultValue = "127.0.0.1")
    String publicHost;

    @ConfigProperty(name = "stagecraft.runtime.readiness-timeout", defaultValue = "PT2M")
    Duration readinessTimeout;

    @Produces
    @ApplicationScoped
    DockerClient dockerClient() {
        return DockerClients.create(dockerHost);
    }

    @Produces
    @ApplicationScoped
    EnvironmentRuntime environmentRuntime(DockerClient docker, SecretBox secrets) {
        return new DockerRuntime(docker, publicHost, readinessTimeout, PortAllocator.FREE_PORT, secrets::open);
    }
}

package dev.stagecraft.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.runtime.docker.DockerClients;

/** Makes the Docker client available to the services that use it (built on first use). */
@ApplicationScoped
public class RuntimeProducer {

    @ConfigProperty(name = "stagecraft.docker.host", defaultValue = "unix:///var/run/docker.sock")
    String dockerHost;

    @Produces
    @ApplicationScoped
    DockerClient dockerClient() {
        return DockerClients.create(dockerHost);
    }
}

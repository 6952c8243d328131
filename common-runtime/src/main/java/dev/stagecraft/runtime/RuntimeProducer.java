package dev.stagecraft.runtime;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import com.github.dockerjava.api.DockerClient;

import dev.stagecraft.runtime.docker.DockerClients;

/** Makes the Docker client available to the services that use it (built on first use). */
@ApplicationScoped
public class RuntimeProducer {

    @Inject
    RuntimeConfig config;

    @Produces
    @ApplicationScoped
    DockerClient dockerClient() {
        return DockerClients.create(config.docker().host());
    }
}

package dev.stagecraft.gateway.hosts;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.faulttolerance.api.Guard;

/** One fault tolerance policy (and so one circuit) per git host, named as the host's API client applies it. */
public class HostGuards {

    @Produces
    @Singleton
    @Identifier("github")
    Guard github(GatewayConfig config) {
        return GitHostApi.guard("github", config.github());
    }

    @Produces
    @Singleton
    @Identifier("gitlab")
    Guard gitlab(GatewayConfig config) {
        return GitHostApi.guard("gitlab", config.gitlab());
    }

    @Produces
    @Singleton
    @Identifier("bitbucket")
    Guard bitbucket(GatewayConfig config) {
        return GitHostApi.guard("bitbucket", config.bitbucket());
    }
}

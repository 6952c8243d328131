package dev.stagecraft.gateway.hosts;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.stagecraft.gateway.config.GatewayConfig;
import io.smallrye.faulttolerance.api.ApplyGuard;

/** GitLab's REST API (v4), for the state of merge requests; off without {@code stagecraft.gitlab.token}. */
@ApplicationScoped
public class GitLabApi extends GitHostApi {

    public GitLabApi() {
        super("gitlab", "GitLab", GatewayConfig::gitlab);
    }

    @Override
    protected Map<String, String> credentials(String token) {
        return Map.of("PRIVATE-TOKEN", token);
    }

    /** opened is open; closed, merged and locked are not. */
    @Override
    @ApplyGuard("gitlab")
    public boolean isOpen(String repositoryUrl, int number) {
        String project = URLEncoder.encode(HostHttp.repositoryPath(repositoryUrl), StandardCharsets.UTF_8);
        return "opened".equals(call("GET", "/projects/" + project + "/merge_requests/" + number, Map.of(), null)
                .path("state").asText());
    }
}

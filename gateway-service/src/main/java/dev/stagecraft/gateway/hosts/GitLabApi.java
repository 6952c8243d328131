package dev.stagecraft.gateway.hosts;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/** GitLab's REST API (v4), for the state of merge requests; off without {@code stagecraft.gitlab.token}. */
@ApplicationScoped
public class GitLabApi implements PullRequestStates {

    @ConfigProperty(name = "stagecraft.gitlab.token")
    Optional<String> token;

    @ConfigProperty(name = "stagecraft.gitlab.api-url", defaultValue = "https://gitlab.com/api/v4")
    String apiUrl;

    @Override
    public String provider() {
        return "gitlab";
    }

    @Override
    public String displayName() {
        return "GitLab";
    }

    @Override
    public boolean enabled() {
        return token.isPresent() && !token.get().isBlank();
    }

    /** opened is open; closed, merged and locked are not. */
    @Override
    public boolean isOpen(String repositoryUrl, int number) {
        String project = URLEncoder.encode(HostHttp.repositoryPath(repositoryUrl), StandardCharsets.UTF_8);
        return "opened".equals(HostHttp.call("GET", apiUrl.replaceAll("/$", "") + "/projects/" + project
                + "/merge_requests/" + number, Map.of("PRIVATE-TOKEN", token.orElseThrow()), null).path("state")
                .asText());
    }
}

package dev.stagecraft.gateway.auth;

import java.util.Set;

import jakarta.enterprise.context.RequestScoped;

/**
 * Who makes the current API request: the name of the token it authenticated with, and the applications it may see
 * (by id; null when the token is not limited to some).
 */
@RequestScoped
public class Caller {

    private String name;
    private Set<String> applicationIds;
    private String tokenId;
    private Role role;

    void authenticatedAs(ApiToken token, Set<String> applicationIds) {
        this.name = token.name;
        this.tokenId = token.id;
        this.role = token.role;
        this.applicationIds = applicationIds == null ? null : Set.copyOf(applicationIds);
    }

    /** The actor recorded on the timeline for an action taken through HTTP. */
    public String actor() {
        return name == null ? "anonymous" : "token:" + name;
    }

    /** Whether the caller may see the application with this id. */
    public boolean sees(String applicationId) {
        return applicationIds == null || applicationIds.contains(applicationId);
    }

    /** The id of the token the request authenticated with. */
    public String tokenId() {
        return tokenId;
    }

    /** The role of the token the request authenticated with. */
    public Role role() {
        return role;
    }

    /** The ids of the applications the caller may see; null: all of them. */
    public Set<String> scope() {
        return applicationIds;
    }
}

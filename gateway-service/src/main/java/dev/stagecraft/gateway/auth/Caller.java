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

    void authenticatedAs(String tokenName, Set<String> applicationIds) {
        this.name = tokenName;
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

    /** The ids of the applications the caller may see; null: all of them. */
    public Set<String> scope() {
        return applicationIds;
    }
}

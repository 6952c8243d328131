package dev.stagecraft.gateway.auth;

import jakarta.enterprise.context.RequestScoped;

/** Who makes the current API request: the name of the token it authenticated with. */
@RequestScoped
public class Caller {

    private String name;

    void authenticatedAs(String tokenName) {
        this.name = tokenName;
    }

    /** The actor recorded on the timeline for an action taken through HTTP. */
    public String actor() {
        return name == null ? "anonymous" : "token:" + name;
    }
}

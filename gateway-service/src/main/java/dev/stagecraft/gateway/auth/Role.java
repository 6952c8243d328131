package dev.stagecraft.gateway.auth;

/** What a token may do: viewers read, deployers also act on environments, admins also manage applications and tokens. */
public enum Role {
    VIEWER, DEPLOYER, ADMIN;

    public boolean covers(Role required) {
        return ordinal() >= required.ordinal();
    }
}

package dev.stagecraft.gateway.environments;

/** Where an environment is in its life. */
public enum EnvironmentState {
    PENDING, BUILDING, SETTING_UP, PATCHING, READY, FAILED, TEARING_DOWN, DELETED;

    /** Whether the environment can still be deployed to (it is not going or gone). */
    public boolean alive() {
        return this != TEARING_DOWN && this != DELETED;
    }
}

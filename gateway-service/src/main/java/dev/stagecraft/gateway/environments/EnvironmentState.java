package dev.stagecraft.gateway.environments;

/** Where an environment is in its life. */
public enum EnvironmentState {
    PENDING, BUILDING, SETTING_UP, PATCHING, READY, PAUSING, PAUSED, RESUMING, FAILED, TEARING_DOWN, DELETED;

    /** Whether the environment is paused or on its way into or out of a pause: nothing is built until it resumes. */
    public boolean paused() {
        return this == PAUSING || this == PAUSED || this == RESUMING;
    }

    /** Whether the environment can still be deployed to (it is not going or gone). */
    public boolean alive() {
        return this != TEARING_DOWN && this != DELETED;
    }
}

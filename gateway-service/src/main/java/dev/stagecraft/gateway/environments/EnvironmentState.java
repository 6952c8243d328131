package dev.stagecraft.gateway.environments;

/** Where an environment is in its life. */
public enum EnvironmentState {
    PENDING, QUEUED, BUILDING, SETTING_UP, PATCHING, READY, PAUSING, PAUSED, RESUMING, FAILED, TEARING_DOWN, DELETED;

    /** Whether the environment is paused or on its way into or out of a pause: nothing is built until it resumes. */
    public boolean paused() {
        return this == PAUSING || this == PAUSED || this == RESUMING;
    }

    /**
     * Whether the environment takes one of the running slots its application's and the installation's limits allow:
     * every live state except QUEUED (nothing of it exists yet) and PAUSING or PAUSED (its services are stopped or
     * stopping). RESUMING takes one: it starts its services.
     */
    public boolean running() {
        return alive() && this != QUEUED && this != PAUSING && this != PAUSED;
    }

    /** Whether the environment can still be deployed to (it is not going or gone). */
    public boolean alive() {
        return this != TEARING_DOWN && this != DELETED;
    }
}

package dev.stagecraft.setup;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The setup-service's own settings, {@code stagecraft.router.*} beside what the runtimes read; with defaults. */
@ConfigMapping(prefix = "stagecraft.router")
public interface SetupConfig {

    /** Seconds between two passes that point the router's routes at the running services again. */
    @WithDefault("30")
    int syncEvery();
}

package dev.stagecraft.build;

import java.nio.file.Path;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The build-service's settings ({@code stagecraft.build.*}), each with its default; the registry it pushes to is
 * common-registry's {@code RegistryConfig} ({@code stagecraft.registry.*}).
 */
@ConfigMapping(prefix = "stagecraft.build")
public interface BuildConfig {

    /** Where repository mirrors are kept. */
    @WithDefault("${java.io.tmpdir}/stagecraft-build")
    Path workDir();

    /** Services of one commit built at the same time. */
    @WithDefault("4")
    int parallelism();

    /** Memory of a build's RUN steps, in bytes (2 GiB). */
    @WithDefault("2147483648")
    long memory();

    /** The longest one image build may take; shorter than the gateway's workflow deadline. */
    @WithDefault("PT10M")
    Duration timeout();
}

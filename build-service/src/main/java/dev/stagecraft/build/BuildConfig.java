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

    /**
     * Which built images go to the registry, when one is configured: {@code always}, or {@code kubernetes}: only
     * those of environments the Kubernetes runtime runs. The second is for an installation whose Docker runtime uses
     * the build engine itself (one engine, as {@code up.sh} runs it): its containers start from the image where it was
     * built, and a push would only cost time. A Docker runtime on another engine pulls its images: keep
     * {@code always} there.
     */
    @WithDefault("always")
    Push push();

    /** See {@link #push()}. */
    enum Push {
        ALWAYS, KUBERNETES
    }

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

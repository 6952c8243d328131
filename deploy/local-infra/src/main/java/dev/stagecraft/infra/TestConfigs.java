package dev.stagecraft.infra;

import java.time.Duration;
import java.util.Map;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SysPropConfigSource;

/** A {@code @ConfigMapping} for a test that makes its beans by hand: the mapping's defaults, some settings changed. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /** {@code settings}: property names ({@code stagecraft.stage.lease}) to values as application.properties has. */
    public static <T> T mapping(Class<T> type, Map<String, String> settings) {
        // system properties only: defaults such as ${java.io.tmpdir}/stagecraft-build expand, STAGECRAFT_* do not leak in
        return new SmallRyeConfigBuilder().withMapping(type).withConverter(Duration.class, 200, new DurationConverter())
                .addDefaultInterceptors().withSources(new SysPropConfigSource()).withDefaultValues(settings).build()
                .getConfigMapping(type);
    }
}

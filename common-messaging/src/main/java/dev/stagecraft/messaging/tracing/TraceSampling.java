package dev.stagecraft.messaging.tracing;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.stagecraft.messaging.MessagingConfig;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * Decides which spans are exported: every one while an exporter is configured ({@code stagecraft.tracing.endpoint}),
 * none otherwise. Without an exporter spans are still made and recorded, only not sampled, so trace ids still travel
 * from the webhook through the outbox, Kafka and the stage runs, and still stand in every log line; nothing is sent
 * anywhere and no collector is asked for. (Recorded rather than dropped: a span that is not recording makes Quarkus
 * forget the enclosing context when a nested scope closes on a Vert.x context, and the outbox rows written after it
 * would lose their trace.)
 */
@ApplicationScoped
public class TraceSampling {

    /** Records every span and exports none. */
    static final Sampler RECORD_ONLY = new Sampler() {
        @Override
        public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                Attributes attributes, List<LinkData> parentLinks) {
            return SamplingResult.recordOnly();
        }

        @Override
        public String getDescription() {
            return "RecordOnly";
        }
    };

    @Produces
    @Singleton
    Sampler sampler(MessagingConfig config) {
        return config.tracing().exporting() ? Sampler.alwaysOn() : RECORD_ONLY;
    }
}

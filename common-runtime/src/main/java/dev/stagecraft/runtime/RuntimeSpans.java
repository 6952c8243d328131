package dev.stagecraft.runtime;

import java.util.function.UnaryOperator;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

/**
 * Spans around what a runtime asks of Docker, Kubernetes and the router, in the trace of the stage run that asks.
 * The runtimes are plain objects (tests and benchmarks make them without Quarkus), so the tracer is the one the
 * service installed as the global OpenTelemetry; where none is installed the API does nothing and costs nothing.
 *
 * <p>Only work inside a trace gets a span. Outside one (a timer's route sync, an inventory) the work runs as it is: a
 * root span of its own every few seconds would only bury the traces of webhooks and clicks. The global
 * OpenTelemetry is not even looked at then, so nothing here can fix it to a no-op before the service installed its
 * own.
 */
public final class RuntimeSpans {

    private static final String INSTRUMENTATION = "dev.stagecraft.runtime";

    /** Work that may throw what the caller declares. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T call() throws E;
    }

    private RuntimeSpans() {
    }

    /** Runs {@code work} in a span named {@code name} about {@code environmentId} (may be null). */
    public static <T, E extends Exception> T inSpan(String name, String environmentId, Work<T, E> work) throws E {
        return inSpan(name, environmentId, UnaryOperator.identity(), work);
    }

    /**
     * Runs {@code work} in a span named {@code name} about {@code environmentId} (may be null), with what
     * {@code details} adds to it (attributes, kind); the span is marked failed when the work throws.
     */
    public static <T, E extends Exception> T inSpan(String name, String environmentId,
            UnaryOperator<SpanBuilder> details, Work<T, E> work) throws E {
        if (!Span.current().getSpanContext().isValid()) {
            return work.call();
        }
        SpanBuilder builder = GlobalOpenTelemetry.getTracer(INSTRUMENTATION).spanBuilder(name);
        if (environmentId != null) {
            builder.setAttribute("stagecraft.environment", environmentId);
        }
        Span span = details.apply(builder).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return work.call();
        } catch (Exception | Error e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}

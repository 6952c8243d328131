package dev.stagecraft.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1 for the services the tests start: they export their spans here
 * ({@code STAGECRAFT_OTEL_ENDPOINT}, protocol {@code http/protobuf}) as they would to a collector, and the tests read
 * them from memory. Keeps at most {@link #LIMIT} spans, the newest.
 */
final class SpanCollector implements AutoCloseable {

    static final int LIMIT = 200_000;

    /** One span as a service exported it; ids in hex, attributes as text. */
    record CollectedSpan(String service, String traceId, String spanId, String parentSpanId, String name, String kind,
            Map<String, String> attributes) {

        String attribute(String key) {
            return attributes.get(key);
        }
    }

    private final HttpServer server;
    private final List<CollectedSpan> spans = new ArrayList<>();

    private SpanCollector(HttpServer server) {
        this.server = server;
    }

    static SpanCollector start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        SpanCollector collector = new SpanCollector(server);
        server.createContext("/v1/traces", collector::export);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "span-collector");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return collector;
    }

    /** The base URL the services export to; they add {@code /v1/traces}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every span of {@code traceId} received so far. */
    synchronized List<CollectedSpan> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /** The spans received so far that match. */
    synchronized List<CollectedSpan> find(Predicate<CollectedSpan> which) {
        return spans.stream().filter(which).toList();
    }

    private void export(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new GZIPInputStream(body);
            }
            keep(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    private synchronized void keep(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = text(resource.getResource().getAttributesList()).getOrDefault("service.name", "?");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (var span : scope.getSpansList()) {
                    spans.add(new CollectedSpan(service, hex.formatHex(span.getTraceId().toByteArray()),
                            hex.formatHex(span.getSpanId().toByteArray()),
                            hex.formatHex(span.getParentSpanId().toByteArray()), span.getName(),
                            span.getKind().name(), text(span.getAttributesList())));
                }
            }
        }
        if (spans.size() > LIMIT) {
            spans.subList(0, spans.size() - LIMIT).clear();
        }
    }

    private static Map<String, String> text(List<KeyValue> attributes) {
        Map<String, String> all = new LinkedHashMap<>();
        for (KeyValue kv : attributes) {
            AnyValue v = kv.getValue();
            all.put(kv.getKey(), switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case INT_VALUE -> Long.toString(v.getIntValue());
                case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
                case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
                default -> v.toString();
            });
        }
        return all;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

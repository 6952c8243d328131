package dev.stagecraft.runtime.kubernetes;

import java.util.Map;

/**
 * Where an environment's Ingresses get their certificates: a wildcard certificate Secret of the Stagecraft namespace,
 * copied into each environment namespace ({@code STAGECRAFT_INGRESS_TLS_SECRET}); or cert-manager, asked through the
 * {@code cert-manager.io/cluster-issuer} annotation for a certificate per host
 * ({@code STAGECRAFT_INGRESS_CLUSTER_ISSUER}); or none, and the endpoints are {@code http://}.
 */
public record IngressTls(String wildcardSecret, String clusterIssuer) {

    public static final IngressTls NONE = new IngressTls(null, null);
    static final String ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

    public IngressTls {
        wildcardSecret = wildcardSecret == null || wildcardSecret.isBlank() ? null : wildcardSecret;
        clusterIssuer = clusterIssuer == null || clusterIssuer.isBlank() ? null : clusterIssuer;
    }

    public boolean enabled() {
        return wildcardSecret != null || clusterIssuer != null;
    }

    /** The Secret the Ingress of {@code service} names: the copied wildcard, or the one cert-manager makes. */
    String secretFor(String service) {
        return wildcardSecret != null ? wildcardSecret : service + "-tls";
    }

    Map<String, String> ingressAnnotations() {
        return wildcardSecret == null && clusterIssuer != null ? Map.of(ISSUER_ANNOTATION, clusterIssuer) : Map.of();
    }
}

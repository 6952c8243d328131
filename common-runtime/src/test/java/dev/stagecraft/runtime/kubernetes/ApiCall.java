package dev.stagecraft.runtime.kubernetes;

import java.net.URI;
import java.util.Optional;

/**
 * One Kubernetes API request seen as RBAC sees it: API group, resource (with subresource, e.g. pods/log), verb
 * (get, list, watch, create, update, patch, delete, deletecollection) and the namespace it is made in (null for
 * cluster-scoped and all-namespace requests).
 */
record ApiCall(String group, String resource, String verb, String namespace) {

    /** Reads a request line; empty for paths that are not resource requests (discovery, version). */
    static Optional<ApiCall> of(String method, String pathAndQuery) {
        URI uri = URI.create(pathAndQuery);
        String[] p = uri.getPath().replaceAll("^/+", "").split("/");
        String query = uri.getQuery() == null ? "" : uri.getQuery();
        int i;
        String group;
        if (p.length >= 3 && p[0].equals("api")) {
            group = "";
            i = 2; // api/v1/...
        } else if (p.length >= 4 && p[0].equals("apis")) {
            group = p[1];
            i = 3; // apis/<group>/<version>/...
        } else {
            return Optional.empty();
        }
        String namespace = null;
        if (p[i].equals("namespaces") && p.length > i + 2) {
            namespace = p[i + 1];
            i += 2; // namespaces/<ns>/<resource>...
        }
        String resource = p[i];
        boolean named = p.length > i + 1;
        if (p.length > i + 2) {
            resource = resource + "/" + p[i + 2];
        }
        String verb = switch (method) {
            case "GET" -> query.contains("watch=true") ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> method.toLowerCase();
        };
        return Optional.of(new ApiCall(group, resource, verb, namespace));
    }
}

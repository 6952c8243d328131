package dev.stagecraft.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kafka principals of Stagecraft and their ACLs, read from the Strimzi {@code KafkaUser} resources of
 * deploy/kubernetes/35-kafka-users.yaml (packaged with this module), so the local broker authorises exactly as the
 * cluster does.
 */
public final class KafkaUsers {

    /** One principal and what it may do. */
    public record User(String name, List<AclBinding> acls) {
    }

    private KafkaUsers() {
    }

    public static List<User> fromManifest() {
        try (InputStream in = KafkaUsers.class.getResourceAsStream("35-kafka-users.yaml")) {
            if (in == null) {
                throw new IllegalStateException("35-kafka-users.yaml is not on the classpath of local-infra");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<User> parse(InputStream manifest) {
        List<User> users = new ArrayList<>();
        for (Object doc : new Yaml(new LoaderOptions()).loadAll(manifest)) {
            if (!(doc instanceof Map<?, ?> resource) || !"KafkaUser".equals(resource.get("kind"))) {
                continue;
            }
            String name = (String) ((Map<String, Object>) resource.get("metadata")).get("name");
            Map<String, Object> spec = (Map<String, Object>) resource.get("spec");
            Map<String, Object> authorization = (Map<String, Object>) spec.get("authorization");
            List<AclBinding> acls = new ArrayList<>();
            for (Object item : (List<Object>) authorization.getOrDefault("acls", List.of())) {
                Map<String, Object> acl = (Map<String, Object>) item;
                Map<String, Object> res = (Map<String, Object>) acl.get("resource");
                ResourcePattern pattern = new ResourcePattern(
                        ResourceType.fromString(((String) res.get("type")).toUpperCase(Locale.ROOT)),
                        (String) res.getOrDefault("name", "kafka-cluster"),
                        "prefix".equals(res.get("patternType")) ? PatternType.PREFIXED : PatternType.LITERAL);
                for (Object op : (List<Object>) acl.get("operations")) {
                    acls.add(new AclBinding(pattern, new AccessControlEntry("User:" + name, "*",
                            AclOperation.fromString(((String) op).toUpperCase(Locale.ROOT)), AclPermissionType.ALLOW)));
                }
            }
            users.add(new User(name, List.copyOf(acls)));
        }
        return List.copyOf(users);
    }
}

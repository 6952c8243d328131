package dev.stagecraft.gateway.auth;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;

import com.fasterxml.jackson.annotation.JsonIgnore;

import dev.stagecraft.events.cloudevents.SpecHash;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An API token, kept as a hash. */
@Entity
@Table(name = "api_token")
public class ApiToken extends PanacheEntityBase {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Id
    public String id;
    public String name;
    @Enumerated(EnumType.STRING)
    public Role role;
    @JsonIgnore
    @Column(name = "token_hash")
    public String tokenHash;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "last_used_at")
    public OffsetDateTime lastUsedAt;
    /** The names of the applications the token may see and act on, comma-separated; null: every application. */
    public String applications;

    /** The application names the token is limited to, or null when it is not limited. */
    public java.util.List<String> applicationScope() {
        return applications == null ? null : java.util.Arrays.stream(applications.split(",")).map(String::trim)
                .filter(a -> !a.isEmpty()).toList();
    }

    /** A new random token text: {@code sc_} and 32 random bytes, URL-safe. */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "sc_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String hash(String token) {
        return SpecHash.sha256(token);
    }

    public static ApiToken findBySecret(String token) {
        return find("tokenHash", hash(token)).firstResult();
    }
}

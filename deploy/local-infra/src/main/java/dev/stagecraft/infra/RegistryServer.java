package dev.stagecraft.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Debian's {@code docker-registry} (distribution 2.8) on loopback that requires a login, the way Harbor, GitLab or
 * ghcr.io do: it answers 401 with a {@code WWW-Authenticate: Bearer} challenge naming a token service, which this
 * class runs too. The token service gives a token (a JWT signed with a key made for this server, which the registry
 * trusts) only for the username and password it was made with, and grants whatever scope is asked. For tests of
 * pushing and cleaning up with credentials; everything it keeps lives under its folder.
 */
public final class RegistryServer implements AutoCloseable {

    static final String SERVICE = "stagecraft-test-registry";
    static final String ISSUER = "stagecraft-test-tokens";
    private static final String STORE_PASSWORD = "stagecraft";
    private static final Pattern LISTENING = Pattern.compile("listening on (127\\.0\\.0\\.1:[0-9]+)");

    private final Path dir;
    private final String username;
    private final String password;
    private final List<String> scopes = Collections.synchronizedList(new ArrayList<>());
    private HttpServer tokens;
    private Process registry;
    private String address;
    private PrivateKey key;
    private byte[] certificate;

    private RegistryServer(Path dir, String username, String password) {
        this.dir = dir;
        this.username = username;
        this.password = password;
    }

    /** A registry with its storage and keys under {@code dir}, accepting only {@code username} and {@code password}. */
    public static RegistryServer start(Path dir, String username, String password) {
        RegistryServer server = new RegistryServer(dir, username, password);
        try {
            server.begin();
            return server;
        } catch (IOException e) {
            server.close();
            throw new UncheckedIOException("the authenticating registry did not start in " + dir, e);
        } catch (GeneralSecurityException e) {
            server.close();
            throw new IllegalStateException("the token service's key could not be made in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.close();
            throw new IllegalStateException("interrupted while starting the authenticating registry");
        }
    }

    /** {@code 127.0.0.1:<port>}, what {@code STAGECRAFT_REGISTRY} would say. */
    public String address() {
        return address;
    }

    /** A Docker config file, as a {@code kubernetes.io/dockerconfigjson} Secret holds it, with this server's login. */
    public String dockerConfig() {
        String auth = Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        return "{\"auths\":{\"" + address + "\":{\"auth\":\"" + auth + "\"}}}";
    }

    /** The scopes the token service granted, in order. */
    public List<String> grantedScopes() {
        synchronized (scopes) {
            return List.copyOf(scopes);
        }
    }

    /** A token for {@code scope}, as the token service gives it to the right login, for a test's own requests. */
    public String token(String scope) {
        try {
            return jwt(List.of(scope));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void begin() throws IOException, GeneralSecurityException, InterruptedException {
        Files.createDirectories(dir.resolve("data"));
        makeKey();
        tokens = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        tokens.createContext("/token", this::grant);
        tokens.start();
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, String.join("\n",
                "version: 0.1",
                "log:",
                "  level: info",
                "  formatter: text",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + dir.resolve("data"),
                "  delete:",
                "    enabled: true",
                "http:",
                "  addr: 127.0.0.1:0",
                "auth:",
                "  token:",
                "    realm: http://127.0.0.1:" + tokens.getAddress().getPort() + "/token",
                "    service: " + SERVICE,
                "    issuer: " + ISSUER,
                "    rootcertbundle: " + dir.resolve("token.pem"),
                ""));
        Path log = dir.resolve("registry.log");
        registry = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && registry.isAlive()) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                address = m.group(1);
                try {
                    int status = http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status == 401) {
                        return;
                    }
                } catch (IOException e) {
                    // not answering yet
                }
            }
            Thread.sleep(100);
        }
        throw new IOException("docker-registry did not come up with token authentication; see " + log + ": "
                + Files.readString(log));
    }

    /** An RSA key and its self-signed certificate (keytool, from this JDK), which the registry trusts. */
    private void makeKey() throws IOException, GeneralSecurityException, InterruptedException {
        Path store = dir.resolve("token.p12");
        Files.deleteIfExists(store);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process made = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "token", "-keyalg", "RSA",
                "-keysize", "2048", "-dname", "CN=" + ISSUER, "-validity", "2", "-storetype", "PKCS12", "-keystore",
                store.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD).redirectErrorStream(true)
                .start();
        String output = new String(made.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (made.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, STORE_PASSWORD.toCharArray());
        }
        key = (PrivateKey) keys.getKey("token", STORE_PASSWORD.toCharArray());
        Certificate cert = keys.getCertificate("token");
        certificate = cert.getEncoded();
        Files.writeString(dir.resolve("token.pem"), "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate)
                + "\n-----END CERTIFICATE-----\n");
    }

    private void grant(HttpExchange exchange) throws IOException {
        try (exchange) {
            String expected = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"wrong login\"}]}");
                return;
            }
            List<String> asked = new ArrayList<>();
            String query = exchange.getRequestURI().getRawQuery();
            for (String pair : query == null ? new String[0] : query.split("&")) {
                if (pair.startsWith("scope=")) {
                    asked.add(URLDecoder.decode(pair.substring("scope=".length()), StandardCharsets.UTF_8));
                }
            }
            scopes.addAll(asked);
            String token = jwt(asked);
            respond(exchange, 200, "{\"token\":\"" + token + "\",\"access_token\":\"" + token
                    + "\",\"expires_in\":300,\"issued_at\":\"" + Instant.now() + "\"}");
        } catch (GeneralSecurityException e) {
            respond(exchange, 500, "{\"errors\":[{\"message\":\"" + e.getMessage() + "\"}]}");
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** A token the registry accepts for {@code scopes} ({@code type:name:action,...}): RS256, certificate in x5c. */
    private String jwt(List<String> scopes) throws GeneralSecurityException {
        StringBuilder access = new StringBuilder();
        for (String scope : scopes) {
            int first = scope.indexOf(':');
            int last = scope.lastIndexOf(':');
            if (first < 0 || last == first) {
                continue;
            }
            StringBuilder actions = new StringBuilder();
            for (String action : scope.substring(last + 1).split(",")) {
                actions.append(actions.isEmpty() ? "" : ",").append('"').append(json(action)).append('"');
            }
            access.append(access.isEmpty() ? "" : ",").append("{\"type\":\"").append(json(scope.substring(0, first)))
                    .append("\",\"name\":\"").append(json(scope.substring(first + 1, last))).append("\",\"actions\":[")
                    .append(actions).append("]}");
        }
        long now = Instant.now().getEpochSecond();
        String header = "{\"typ\":\"JWT\",\"alg\":\"RS256\",\"x5c\":[\""
                + Base64.getEncoder().encodeToString(certificate) + "\"]}";
        String claims = "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + json(username) + "\",\"aud\":\"" + SERVICE
                + "\",\"exp\":" + (now + Duration.ofMinutes(5).toSeconds()) + ",\"nbf\":" + (now - 10) + ",\"iat\":"
                + now + ",\"jti\":\"" + UUID.randomUUID() + "\",\"access\":[" + access + "]}";
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signed = url.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(signed.getBytes(StandardCharsets.US_ASCII));
        return signed + "." + url.encodeToString(rsa.sign());
    }

    private static String json(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Stops the registry and the token service; the folder stays for whoever made it to remove. */
    @Override
    public void close() {
        if (registry != null) {
            registry.destroy();
            try {
                if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                    registry.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (tokens != null) {
            tokens.stop(0);
        }
    }
}

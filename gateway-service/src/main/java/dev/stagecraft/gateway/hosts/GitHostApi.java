package dev.stagecraft.gateway.hosts;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;

import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.outbound.OutboundPolicy;
import io.smallrye.faulttolerance.api.Guard;

/**
 * What the git host API clients share: the host's token and API URL from {@code stagecraft.<host>.*}, "off without a
 * token", the host's REST client ({@code C}) made from them, and one fault tolerance policy per host ({@link #guard})
 * that their calls declare with {@code @ApplyGuard("<host>")}. Each host answers pull request states and takes
 * statuses and the pull request comment ({@link StatusHost}).
 */
public abstract class GitHostApi<C> implements StatusHost {

    /** How long a host may take to answer one request. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    GatewayConfig config;

    @Inject
    SecretBox secrets;

    private final String provider;
    private final String displayName;
    private final Function<GatewayConfig, GatewayConfig.GitHost> settings;
    private final Class<C> clientType;
    private final Function<String, Map<String, String>> credentials;
    private C client;

    /**
     * {@code settings}: where this host's part of the configuration is, e.g. {@code GatewayConfig::gitlab};
     * {@code clientType}: its REST client interface; {@code credentials}: the request headers that carry a token, as
     * this host expects them.
     */
    protected GitHostApi(String provider, String displayName, Function<GatewayConfig, GatewayConfig.GitHost> settings,
            Class<C> clientType, Function<String, Map<String, String>> credentials) {
        this.provider = provider;
        this.displayName = displayName;
        this.settings = settings;
        this.clientType = clientType;
        this.credentials = credentials;
    }

    @Override
    public String provider() {
        return provider;
    }

    @Override
    public String displayName() {
        return displayName;
    }

    private GatewayConfig.GitHost settings() {
        return settings.apply(config);
    }

    @Override
    public boolean enabled() {
        return settings().token().filter(t -> !t.isBlank()).isPresent();
    }

    /**
     * {@code call} on this host's REST client. An answer other than a success is a {@link HostApiException} (a
     * refusal: the client's exception mapper; a redirect or an unreadable body: {@link #reaching}); so is no answer,
     * which may pass.
     */
    protected <T> T ask(Function<C, T> call) {
        return reaching(displayName + " (" + settings().apiUrl() + ")", () -> call.apply(client()));
    }

    /**
     * {@code call} to {@code host}; no answer (a {@code ProcessingException}) becomes a {@link HostApiException}, and
     * so does what the client's exception mapper does not see: a redirect, which the client does not follow (nor does
     * it send the token elsewhere), or a body that is not the JSON asked for.
     */
    static <T> T reaching(String host, Supplier<T> call) {
        try {
            return call.get();
        } catch (ProcessingException e) {
            throw HostApiException.unanswered(host, e);
        } catch (WebApplicationException e) {
            throw e.getResponse().getStatusInfo().getFamily() == Response.Status.Family.REDIRECTION
                    ? HostApiException.redirected(host, e.getResponse())
                    : HostApiException.cannotAsk(host + " answered what could not be read: " + e.getMessage());
        }
    }

    /** The REST client, made at first use from the API URL and token. */
    private synchronized C client() {
        if (client == null) {
            String token = settings().token().filter(t -> !t.isBlank()).orElseThrow(() -> HostApiException.cannotAsk(
                    "no token for " + displayName() + " (stagecraft." + provider() + ".token)"));
            client = client(clientType, settings().apiUrl(), credentials.apply(opened(token)));
        }
        return client;
    }

    /** The token as the host wants it: a sealed one (from POST /api/admin/secrets/seal) is opened in memory only. */
    private String opened(String token) {
        if (!SecretBox.isSealed(token)) {
            return token;
        }
        try {
            return secrets.open(token);
        } catch (IllegalStateException e) {
            throw HostApiException.cannotAsk("the token in stagecraft." + provider() + ".token cannot be opened: "
                    + e.getMessage());
        }
    }

    /** A REST client of {@code type} for the API at {@code apiUrl}, sending {@code headers} with every request. */
    static <C> C client(Class<C> type, String apiUrl, Map<String, String> headers) {
        return OutboundPolicy.client(URI.create(apiUrl.replaceAll("/+$", "")), READ_TIMEOUT)
                .register((ClientRequestFilter) request -> headers.forEach(request.getHeaders()::putSingle))
                .build(type);
    }

    /**
     * The fault tolerance of one host's calls ({@link OutboundPolicy}): a failure that may pass
     * ({@link HostApiException#transientFailure()}) is tried again after {@code backoff}, doubling, up to
     * {@code attempts} tries; the host's circuit opens for {@link OutboundPolicy#CIRCUIT_OPEN_FOR}.
     */
    public static Guard guard(String provider, GatewayConfig.GitHost settings) {
        return guard(provider, settings.attempts(), settings.backoff(), OutboundPolicy.CIRCUIT_OPEN_FOR);
    }

    static Guard guard(String provider, int attempts, Duration backoff, Duration circuitOpenFor) {
        return OutboundPolicy.guard(provider + "-api", attempts, backoff, circuitOpenFor,
                e -> e instanceof HostApiException h && h.transientFailure());
    }
}

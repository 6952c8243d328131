package dev.stagecraft.cli.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

import dev.stagecraft.cli.Shell;
import dev.stagecraft.cli.UsageException;

/**
 * Where commands send their requests and with which token. Each comes from the {@code --url} and {@code --token}
 * options, else from {@code STAGECRAFT_URL} and {@code STAGECRAFT_TOKEN}, else from the {@link ConfigFile}; a stored
 * token is only sent to the URL it was stored for.
 */
public record Connection(URI url, String token) {

    public static final String URL_VARIABLE = "STAGECRAFT_URL";
    public static final String TOKEN_VARIABLE = "STAGECRAFT_TOKEN";

    /** The connection the options, the shell's variables and the stored settings give, in that order. */
    public static Connection resolve(String urlOption, String tokenOption, Shell shell, ConfigFile file) {
        Optional<URI> given = givenUrl(urlOption, shell);
        String token = firstOf(tokenOption, shell.variable(TOKEN_VARIABLE));
        if (given.isPresent() && token != null) {
            return new Connection(given.get(), token);
        }
        Optional<ConfigFile.Stored> stored = file.read();
        Optional<URI> storedUrl = storedUrl(stored, file);
        URI url = given.or(() -> storedUrl).orElseThrow(() -> new UsageException("no gateway URL: run"
                + " 'stagecraft login --url <url> --token-stdin', or pass --url or set " + URL_VARIABLE));
        if (token != null) {
            return new Connection(url, token);
        }
        if (stored.isEmpty() || stored.get().token() == null) {
            throw new UsageException("no API token for " + url + ": run 'stagecraft login --url " + url
                    + " --token-stdin', or pass --token or set " + TOKEN_VARIABLE);
        }
        if (!storedUrl.get().equals(url)) {
            throw new UsageException("no API token for " + url + ": the token in " + file.path() + " is for "
                    + storedUrl.get() + "; pass --token, set " + TOKEN_VARIABLE + " or run 'stagecraft login --url "
                    + url + " --token-stdin'");
        }
        return new Connection(url, stored.get().token());
    }

    /** The gateway URL the {@code --url} option or {@code STAGECRAFT_URL} gives, if any. */
    public static Optional<URI> givenUrl(String urlOption, Shell shell) {
        if (urlOption != null) {
            return Optional.of(parseUrl(urlOption, "--url"));
        }
        return Optional.ofNullable(shell.variable(URL_VARIABLE)).map(url -> parseUrl(url, URL_VARIABLE));
    }

    /** The URL of {@code stored}, the settings read from {@code file}. */
    public static Optional<URI> storedUrl(Optional<ConfigFile.Stored> stored, ConfigFile file) {
        return stored.map(s -> parseUrl(s.url(), "the url in " + file.path()));
    }

    /**
     * {@code text} as the gateway's base URL, without a trailing slash; {@code where} names where it came from in
     * the message when it is not an http(s) URL.
     */
    public static URI parseUrl(String text, String where) {
        String trimmed = text == null ? "" : text.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        try {
            URI uri = new URI(trimmed);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getQuery() == null
                    && uri.getFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // answered below, with what is accepted
        }
        throw new UsageException(where + " '" + text + "' is not a gateway URL: use http://host:port or"
                + " https://host[/prefix], e.g. http://127.0.0.1:8080");
    }

    private static String firstOf(String option, String variable) {
        if (option != null && !option.isBlank()) {
            return option.strip();
        }
        return variable;
    }
}

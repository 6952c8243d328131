package dev.stagecraft.gateway.config;

import java.time.Duration;
import java.util.Optional;

import dev.stagecraft.events.RuntimeChoice;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The gateway's settings ({@code stagecraft.*}), each with its default; application.properties maps the
 * {@code STAGECRAFT_*} environment variables onto these names.
 */
@ConfigMapping(prefix = "stagecraft")
public interface GatewayConfig {

    /** The bootstrap admin token (at least 16 characters); unset: none. */
    Optional<String> adminToken();

    Events events();

    Ui ui();

    /** At most once per this interval per application, its open pull requests are checked against the host. */
    @WithDefault("30s")
    Duration pullRequestCheckInterval();

    Logs logs();

    Workflow workflow();

    Environments environments();

    Quotas quotas();

    /** {@code stagecraft.runtime.*}, as far as the gateway checks applications against it. */
    RuntimeChoice runtime();

    Registry registry();

    /** GitHub: commit statuses, the pull request comment, deployments and pull request states. */
    GitHub github();

    /** GitLab: commit statuses, the merge request note and merge request states. */
    GitLab gitlab();

    /** Bitbucket Cloud: commit build statuses, the pull request comment and pull request states. */
    Bitbucket bitbucket();

    /** {@code stagecraft.sleep.*}: idle environments put to sleep, woken by the next request through the router. */
    Sleep sleep();

    /**
     * Sleep when idle: the router's access log says when each host name last had a request; an environment of an
     * application with an idle timeout that had none for that long is paused, its host names kept on the router and
     * routed to {@code GET /router/wake}, which resumes it on the next request.
     */
    interface Sleep {

        /** The router's access log (Caddy, JSON lines); unset: no environment sleeps, none can be set to. */
        Optional<String> accessLog();

        /** The router's admin API, read for which environment each host name belongs to. */
        Optional<String> routerAdmin();

        /** How often the access log is read and idle environments are put to sleep. */
        @WithDefault("30s")
        Duration check();

        /** How long a request waits for its environment to wake before it gets the "waking up" page. */
        @WithDefault("60s")
        Duration wakeWait();

        /** Where the router reaches this gateway's wake endpoint ({@code host:port}); unset: 127.0.0.1:<its port>. */
        Optional<String> wakeUpstream();
    }

    /** {@code stagecraft.ui.*}: the internal UI, which sends its commands over Kafka. */
    interface Ui {

        /** The one Kafka principal granted Write on stagecraft.ui.commands; recorded beside the actor. */
        @WithDefault("stagecraft-ui")
        String principal();
    }

    /** {@code stagecraft.events.*}. */
    interface Events {

        /** How often the event stream sends a comment line to keep idle connections open. */
        @WithDefault("15s")
        Duration heartbeat();

        /**
         * How long a stream ticket (POST /api/stream-tickets) opens streams: a browser's EventSource cannot send
         * the Authorization header, so it names a ticket in the URL, which is short-lived for that reason.
         */
        @WithDefault("60s")
        Duration ticketTtl();

        /** How often an open workflow log stream looks for new lines. */
        @WithDefault("500ms")
        Duration logPoll();
    }

    /** Workflow output kept by the gateway: {@code stagecraft.logs.*}. */
    interface Logs {

        /** Characters kept of one log line; the rest is cut. */
        @WithDefault("4000")
        int maxLine();

        /** Lines kept per workflow; later ones are dropped. */
        @WithDefault("20000")
        long maxLinesPerWorkflow();
    }

    /** {@code stagecraft.workflow.*}. */
    interface Workflow {

        /** How long a stage may stay silent before its environment is marked failed. */
        @WithDefault("PT15M")
        Duration deadline();
    }

    /**
     * {@code stagecraft.quotas.*}: installation-wide limits, on top of each application's own
     * ({@code PUT /api/applications/{id}/limits}).
     */
    interface Quotas {

        /** At most this many environments of all applications run at once (QUEUED and PAUSED ones do not count). */
        Optional<Integer> maxRunningEnvironments();

        /** At most this many builds of all applications run at once; the others wait in order. */
        Optional<Integer> maxConcurrentBuilds();

        /** What a new environment past a limit does when its application names no policy: queue or evict. */
        @WithDefault("queue")
        String overflow();
    }

    /** {@code stagecraft.environments.*}. */
    interface Environments {

        /** Whether permanent environments may be paused too; by default only ephemeral ones, as in Release. */
        @WithDefault("false")
        boolean pausePermanent();

        /** Lifetime of an ephemeral environment (an environment template's {@code expiry} wins). */
        @WithDefault("P3D")
        Duration ephemeralTtl();

        /** Extend never pushes an expiry further than this from now. */
        @WithDefault("P7D")
        Duration maxTtl();

        /**
         * How long before an ephemeral environment expires its pull request comment warns about it and says how to
         * extend it; zero: no warning.
         */
        @WithDefault("PT2H")
        Duration expiryWarning();
    }

    /**
     * Registry clean-up: {@code stagecraft.registry.grace}. Where the registry is and how it is called (the rest of
     * {@code stagecraft.registry.*}) is common-registry's {@code RegistryConfig}.
     */
    interface Registry {

        /** Tags built longer ago than this (keep it at least twice the workflow deadline) may be deleted. */
        @WithDefault("PT2H")
        Duration grace();
    }

    /** One git host's REST API: {@code stagecraft.<host>.*}. */
    interface GitHost {

        /** The token Stagecraft calls the host with; unset or empty: the host is not called. */
        Optional<String> token();

        /** The API's base URL. */
        String apiUrl();

        /** Tries of one call that fails for a reason that may pass (no answer, 5xx, 429, 403) before it is given up. */
        @WithDefault("5")
        int attempts();

        /** The wait before the second try; it doubles before each further one. */
        @WithDefault("1s")
        Duration backoff();
    }

    /** {@code stagecraft.gitlab.*}. */
    interface GitLab extends GitHost {

        /** The API's base URL. */
        @Override
        @WithDefault("https://gitlab.com/api/v4")
        String apiUrl();
    }

    /** {@code stagecraft.bitbucket.*}. */
    interface Bitbucket extends GitHost {

        /** The API's base URL. */
        @Override
        @WithDefault("https://api.bitbucket.org/2.0")
        String apiUrl();
    }

    /** {@code stagecraft.github.*}. */
    interface GitHub extends GitHost {

        /** The API's base URL. */
        @Override
        @WithDefault("https://api.github.com")
        String apiUrl();
    }
}

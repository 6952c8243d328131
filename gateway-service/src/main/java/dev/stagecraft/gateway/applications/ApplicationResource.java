package dev.stagecraft.gateway.applications;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.RestResponse;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.secrets.SecretBox;
import dev.stagecraft.gateway.api.ApiException;
import dev.stagecraft.gateway.api.Paging;
import dev.stagecraft.gateway.auth.RequiresRole;
import dev.stagecraft.gateway.auth.Role;
import dev.stagecraft.gateway.config.GatewayConfig;
import dev.stagecraft.gateway.environments.ConflictRetry;
import dev.stagecraft.gateway.environments.Limits;
import dev.stagecraft.gateway.environments.PauseSchedule;
import dev.stagecraft.gateway.sleep.SleepPolicy;
import dev.stagecraft.gateway.environments.Quotas;
import dev.stagecraft.template.ComposeImporter;
import dev.stagecraft.template.InvalidTemplateException;
import dev.stagecraft.template.TemplateCompiler;

/** Registers and lists applications, and creates environments for a branch. */
@Path("/api/applications")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ApplicationResource {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern URL = Pattern.compile("^(https?|file|git|ssh)://.+");
    private static final Set<String> PROVIDERS = Set.of("github", "gitlab", "bitbucket");

    @Inject
    SecretBox secrets;

    @Inject
    dev.stagecraft.gateway.auth.Caller caller;

    @Inject
    GatewayConfig config;

    @Inject
    dev.stagecraft.gateway.imports.ImportResolver imports;

    @Inject
    ConflictRetry conflicts;

    @Inject
    Quotas quotas;

    @POST
    @Transactional
    @RequiresRole(Role.ADMIN)
    public Response register(ApplicationRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a JSON body with name, repository, webhookSecret and template is required");
        }
        if (request.name() == null || !NAME.matcher(request.name()).matches()) {
            throw ApiException.badRequest("name '" + request.name()
                    + "' is not accepted: use lower-case letters, digits and '-', at most 63 characters");
        }
        if (request.repository() == null || request.repository().url() == null
                || !URL.matcher(request.repository().url()).matches()) {
            throw ApiException.badRequest("repository.url is required and must be an http(s), git, ssh or file URL");
        }
        String provider = request.repository().provider() == null ? "github" : request.repository().provider();
        if (!PROVIDERS.contains(provider)) {
            throw ApiException.badRequest("repository.provider '" + provider + "' is not supported; accepted: " + PROVIDERS);
        }
        if (request.webhookSecret() == null || request.webhookSecret().length() < 8) {
            throw ApiException.badRequest("webhookSecret is required and must have at least 8 characters");
        }
        String runtime;
        try {
            runtime = config.runtime().choose(request.runtime());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        String label = request.pullRequestLabel();
        if (label != null && (label.isBlank() || label.length() > 100)) {
            throw ApiException.badRequest("pullRequestLabel must be a label name of 1 to 100 characters, or left out");
        }
        if (label != null && provider.equals("bitbucket")) {
            throw ApiException.badRequest("pullRequestLabel is not accepted for bitbucket: Bitbucket pull requests have"
                    + " no labels; accepted for github and gitlab");
        }
        Templates templates = Templates.of(request.template(), request.environmentVariables());
        imports.validate(templates.release(), templates.compile(request.name(), request.environmentVariables()));
        if (Application.count("name", request.name()) > 0) {
            throw new ApiException(409, "conflict", "an application named '" + request.name() + "' already exists");
        }
        Application app = new Application();
        app.id = UUID.randomUUID().toString();
        app.name = request.name();
        app.repositoryUrl = request.repository().url();
        app.repositoryKey = Application.repositoryKey(app.repositoryUrl);
        app.provider = provider;
        app.webhookSecret = secrets.seal(request.webhookSecret());
        templates.applyTo(app);
        app.environmentVariables = secrets.seal(request.environmentVariables());
        app.runtime = runtime;
        app.pullRequestLabel = label;
        app.createdAt = OffsetDateTime.now();
        app.persist();
        return Response.created(URI.create("/api/applications/" + app.id)).entity(ApplicationView.of(app, secrets)).build();
    }

    /** Applications newest first; paged (see {@link Paging}). */
    @GET
    public RestResponse<List<ApplicationView>> list(@QueryParam("limit") Integer limit, @QueryParam("after") String after,
            @Context UriInfo uri) {
        return Paging.newestFirst("createdAt", limit, after).within(caller.scope(), "id").list(
                (query, params) -> Application.find(query, params),
                (Application a) -> new Paging.Cursor(a.createdAt, a.id), a -> ApplicationView.of(a, secrets), uri);
    }

    @GET
    @Path("{id}")
    public ApplicationView get(@PathParam("id") String id) {
        return ApplicationView.of(find(id), secrets);
    }

    /**
     * Replaces the application's templates. Existing environments keep the spec they were frozen with until their
     * setup is re-run (POST /api/environments/{id}/setup); new environments get the new one.
     */
    @PUT
    @RequiresRole(Role.ADMIN)
    @Path("{id}/template")
    @Transactional
    public ApplicationView replaceTemplate(@PathParam("id") String id, TemplateRequest request) {
        Application app = find(id);
        if (request == null || request.template() == null) {
            throw ApiException.badRequest("template is required (a Release template or a docker-compose file)");
        }
        Templates templates = Templates.of(request.template(), request.environmentVariables());
        imports.validate(templates.release(), templates.compile(app.name, request.environmentVariables()));
        templates.applyTo(app);
        app.environmentVariables = secrets.seal(request.environmentVariables());
        return ApplicationView.of(app, secrets);
    }

    /**
     * A template as registered: Release's format as given, or generated from a docker-compose file, whose values are
     * interpolated with the application's environment variables.
     */
    private record Templates(String release, String format, String source, ComposeImporter.Imported imported) {

        static Templates of(String given, String environmentVariables) {
            if (given != null && ComposeImporter.looksLikeCompose(given)) {
                ComposeImporter.Imported imported = ComposeImporter.toTemplate(given, file -> Optional.empty(),
                        ApplicationView.variables(environmentVariables));
                return new Templates(imported.template(), "compose", given, imported);
            }
            return new Templates(given, "release", null, null);
        }

        /** Compiles the template; an error in a template made from a compose file is shown where it is in that file. */
        /** The spec the template compiles to, for validation. */
        EnvironmentSpec compile(String application, String environmentVariables) {
            try {
                return TemplateCompiler.compile(application, release, environmentVariables);
            } catch (InvalidTemplateException e) {
                if (imported == null) {
                    throw e;
                }
                throw new InvalidTemplateException(imported.relocate(e.problems()), imported.relocate(e.warnings()));
            }
        }

        void applyTo(Application app) {
            app.template = release;
            app.templateFormat = format;
            app.templateSource = source;
        }
    }

    /**
     * Sets the pause schedule the application's ephemeral environments follow unless they set their own (see
     * {@link PauseSchedule}); DELETE removes it.
     */
    @PUT
    @RequiresRole(Role.ADMIN)
    @Path("{id}/pause-schedule")
    @Transactional
    public ApplicationView schedule(@PathParam("id") String id, String body) {
        Application app = find(id);
        app.pauseSchedule = PauseSchedule.parse(body == null || body.isBlank() ? "null" : body).json();
        return ApplicationView.of(app, secrets);
    }

    @DELETE
    @RequiresRole(Role.ADMIN)
    @Path("{id}/pause-schedule")
    @Consumes(MediaType.WILDCARD)
    @Transactional
    public ApplicationView removeSchedule(@PathParam("id") String id) {
        Application app = find(id);
        app.pauseSchedule = null;
        return ApplicationView.of(app, secrets);
    }

    /**
     * Lets the application's environments sleep when idle ({@link SleepPolicy}): once the router had no request for
     * their host names for {@code idleAfter}, they pause, and the next request wakes them. Only where requests reach
     * them through the router (the Docker runtime), and only ephemeral environments unless permanent ones may pause;
     * DELETE stops it (sleeping environments stay asleep until their next request).
     */
    @PUT
    @RequiresRole(Role.ADMIN)
    @Path("{id}/sleep")
    @Transactional
    public ApplicationView sleep(@PathParam("id") String id, String body) {
        Application app = find(id);
        SleepPolicy policy = SleepPolicy.parse(body);
        if (!"docker".equals(app.runtime)) {
            throw new ApiException(409, "sleep_unavailable", "application '" + app.name + "' runs on " + app.runtime
                    + "; sleeping when idle needs the router in front of the docker runtime, which sees every request"
                    + " and holds one until its environment wakes");
        }
        if (config.sleep().accessLog().isEmpty()) {
            throw new ApiException(409, "sleep_unavailable", "this gateway reads no router access log"
                    + " (STAGECRAFT_ROUTER_ACCESS_LOG): it cannot tell an idle environment from a used one");
        }
        app.sleepAfter = policy.text();
        return ApplicationView.of(app, secrets);
    }

    @DELETE
    @RequiresRole(Role.ADMIN)
    @Path("{id}/sleep")
    @Consumes(MediaType.WILDCARD)
    @Transactional
    public ApplicationView removeSleep(@PathParam("id") String id) {
        Application app = find(id);
        app.sleepAfter = null;
        return ApplicationView.of(app, secrets);
    }

    /**
     * Sets the application's quotas ({@link Limits}): at most so many running environments and concurrent builds, and
     * what a new environment past the limit does (queue or evict). Raising a limit starts what now fits.
     */
    @PUT
    @RequiresRole(Role.ADMIN)
    @Path("{id}/limits")
    public ApplicationView limits(@PathParam("id") String id, String body) {
        Limits limits = Limits.parse(body);
        return conflicts.inTransaction(() -> {
            Application app = find(id);
            app.maxRunningEnvironments = limits.maxRunningEnvironments();
            app.maxConcurrentBuilds = limits.maxConcurrentBuilds();
            app.overflow = limits.overflow();
            quotas.startQueued();
            quotas.startWaitingBuilds();
            return ApplicationView.of(app, secrets);
        });
    }

    /** Removes the application's quotas (the installation's still apply); what waited for them starts. */
    @DELETE
    @RequiresRole(Role.ADMIN)
    @Path("{id}/limits")
    @Consumes(MediaType.WILDCARD)
    public ApplicationView removeLimits(@PathParam("id") String id) {
        return conflicts.inTransaction(() -> {
            Application app = find(id);
            app.maxRunningEnvironments = null;
            app.maxConcurrentBuilds = null;
            app.overflow = null;
            quotas.startQueued();
            quotas.startWaitingBuilds();
            return ApplicationView.of(app, secrets);
        });
    }

    /** The body of PUT /api/applications/{id}/template. */
    public record TemplateRequest(String template, String environmentVariables) {
    }

    /** The Application Template in Release's format: as registered, or as generated from a docker-compose file. */
    @GET
    @Path("{id}/template")
    @Produces("application/yaml")
    public Response template(@PathParam("id") String id) {
        Application app = find(id);
        return Response.ok(app.template).header("X-Stagecraft-Template-Format", app.templateFormat).build();
    }

    private static Application find(String id) {
        Application app = Application.findById(id);
        if (app == null) {
            throw ApiException.notFound("application", id);
        }
        return app;
    }
}

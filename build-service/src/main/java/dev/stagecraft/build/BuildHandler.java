package dev.stagecraft.build;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.stagecraft.build.git.SourceCheckout;
import dev.stagecraft.build.git.UnsafeSourceException;
import dev.stagecraft.build.git.SourceCheckout.Source;
import dev.stagecraft.build.images.BuildException;
import dev.stagecraft.build.images.ImageBuilder;
import dev.stagecraft.events.BuildCompleted;
import dev.stagecraft.events.BuildFailed;
import dev.stagecraft.events.BuildRequested;
import dev.stagecraft.events.BuildStarted;
import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.events.EnvironmentSpec.ServiceSpec;
import dev.stagecraft.events.ImageRef;
import dev.stagecraft.events.LifecycleEvent;
import dev.stagecraft.events.StageOutcome;
import dev.stagecraft.events.cloudevents.CloudEvent;
import dev.stagecraft.events.cloudevents.SpecHash;
import dev.stagecraft.messaging.stage.RunControl;
import dev.stagecraft.messaging.stage.StageHandler;
import dev.stagecraft.template.AppImports;
import dev.stagecraft.template.InvalidTemplateException;
import dev.stagecraft.template.TemplateCompiler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;

/**
 * Handles BuildRequested: exports the commit, then for each service with a build context computes its tag from the
 * git tree id of the context (and the Dockerfile path), reuses the image when that tag exists and builds it otherwise.
 * Services are built side by side, {@code stagecraft.build.parallelism} at a time.
 */
@ApplicationScoped
public class BuildHandler implements StageHandler {

    private static final String KUBERNETES = "kubernetes";
    private static final String DOCKER = "docker";

    @Inject
    SourceCheckout checkout;

    @Inject
    ImageBuilder images;

    @Inject
    BuildConfig config;

    @Inject
    MeterRegistry registry;

    /** One service's outcome: its image, or why its build failed. */
    private record Built(ImageRef ref, BuildFailed failure) {
    }

    @Override
    public LifecycleEvent started(CloudEvent command) {
        BuildRequested request = (BuildRequested) command.data();
        return new BuildStarted(request.environmentId(), request.workflowId(), request.commit());
    }

    @Override
    public StageOutcome run(CloudEvent command, RunControl control) throws Exception {
        BuildRequested request = (BuildRequested) command.data();
        control.log("git", "fetching " + request.repositoryUrl() + " at " + request.commit());
        try (Source source = checkout.checkout(request.repositoryUrl(), request.commit())) {
            Map<String, String> templates;
            try {
                templates = source.templates();
            } catch (UnsafeSourceException e) {
                return new BuildFailed(request.environmentId(), request.workflowId(), request.commit(), null,
                        e.getMessage(), List.of());
            }
            EnvironmentSpec spec = request.spec();
            if (templates.keySet().stream().anyMatch(k -> k.endsWith(TemplateCompiler.APPLICATION_TEMPLATE))) {
                try {
                    // the imported applications stay those the gateway resolved
                    spec = AppImports.carry(spec, TemplateCompiler.compile(spec.application(),
                            find(templates, TemplateCompiler.APPLICATION_TEMPLATE),
                            find(templates, TemplateCompiler.ENVIRONMENT_VARIABLES)));
                    control.log("git", "building the services of the template in the repository");
                } catch (InvalidTemplateException e) {
                    // the gateway reports the validation errors; build nothing from an invalid template
                    return new BuildCompleted(request.environmentId(), request.workflowId(), request.commit(), List.of(),
                            templates);
                }
            }
            Map<String, Source> importSources = new java.util.HashMap<>();
            List<BuildCompleted.ImportedCommit> imported = new ArrayList<>();
            try {
                BuildFailed missing = checkOutImports(request, spec, importSources, imported, control);
                if (missing != null) {
                    return missing;
                }
                return buildAndReport(request, spec, source, importSources, imported, templates, control);
            } finally {
                importSources.values().forEach(Source::close);
            }
        }
    }

    /**
     * Checks out each imported application at the first of its branches its repository has; a BuildFailed when one
     * has none of them.
     */
    private BuildFailed checkOutImports(BuildRequested request, EnvironmentSpec spec, Map<String, Source> sources,
            List<BuildCompleted.ImportedCommit> imported, RunControl control) throws Exception {
        for (EnvironmentSpec.ImportSpec i : spec.imports()) {
            control.checkCancelled();
            var head = checkout.firstBranch(i.repositoryUrl(), i.branches());
            if (head.isEmpty()) {
                return new BuildFailed(request.environmentId(), request.workflowId(), request.commit(), null,
                        "imported application '" + i.application() + "': " + i.repositoryUrl() + " has none of the"
                                + " branches " + String.join(", ", i.branches()) + " (HEAD: its default branch)",
                        List.of());
            }
            control.log("git", "imported application " + i.application() + ": fetching " + i.repositoryUrl()
                    + " at " + head.get().commit() + " (branch " + head.get().branch() + ")");
            sources.put(i.application(), checkout.checkout(i.repositoryUrl(), head.get().commit()));
            imported.add(new BuildCompleted.ImportedCommit(i.application(), head.get().branch(),
                    head.get().commit()));
        }
        return null;
    }

    private StageOutcome buildAndReport(BuildRequested request, EnvironmentSpec spec, Source source,
            Map<String, Source> importSources, List<BuildCompleted.ImportedCommit> imported,
            Map<String, String> templates, RunControl control) throws Exception {
        List<ImageRef> refs = new ArrayList<>();
        BuildFailed failure = null;
        for (Built built : buildAll(request, spec, source, importSources, control)) {
            if (built.ref() != null) {
                refs.add(built.ref());
            } else if (failure == null) {
                failure = built.failure();
            }
        }
        if (failure != null) {
            // the gateway never learns of images from a failed build, so no teardown would remove them
            removeBuilt(refs);
            return failure;
        }
        if (control.cancelled()) {
            // the environment is going away: what this run built would be left behind by its teardown
            removeBuilt(refs);
            control.checkCancelled();
        }
        return new BuildCompleted(request.environmentId(), request.workflowId(), request.commit(), refs, templates,
                imported);
    }

    /** Every service's outcome, in the spec's order; the builds run side by side. */
    private List<Built> buildAll(BuildRequested request, EnvironmentSpec spec, Source own,
            Map<String, Source> importSources, RunControl control) throws InterruptedException {
        List<ServiceSpec> services = spec.services();
        // each build in the run's trace, whichever thread of the pool runs it
        ExecutorService pool = Context.taskWrapping(Executors.newFixedThreadPool(Math.max(1,
                Math.min(config.parallelism(), services.size()))));
        try {
            List<Future<Built>> futures = new ArrayList<>();
            for (ServiceSpec service : services) {
                control.checkCancelled();
                if (service.build() == null) {
                    futures.add(CompletableFuture.completedFuture(new Built(new ImageRef(service.name(),
                            service.image(), false), null)));
                } else {
                    // an imported application's service is built from its own repository
                    EnvironmentSpec.ImportSpec from = spec.importOf(service.name());
                    Source source = from == null ? own : importSources.get(from.application());
                    futures.add(pool.submit(() -> buildService(request, spec, service, source, control)));
                }
            }
            List<Built> all = new ArrayList<>();
            for (Future<Built> f : futures) {
                try {
                    all.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private Built buildService(BuildRequested request, EnvironmentSpec spec, ServiceSpec service, Source source,
            RunControl control) throws Exception {
        String task = "build." + service.name();
        String context = service.build().context();
        Optional<String> tree = source.treeId(context);
        if (tree.isEmpty()) {
            String at = source.commit().name();
            return new Built(null, new BuildFailed(request.environmentId(), request.workflowId(), request.commit(),
                    service.name(), "build context '" + context + "' is not a directory of the repository at "
                            + at.substring(0, 12), List.of()));
        }
        String tag = tag(tree.get(), service.build());
        String reference = images.reference(spec.application(), service.name(), tag);
        if (images.exists(reference)) {
            imagesCounter("reused").increment();
            control.log(task, "reusing " + reference + ": the context did not change");
            return new Built(new ImageRef(service.name(), reference, false), null);
        }
        control.taskStarted(task);
        Path tar = checkout.newContextFile();
        try {
            source.writeContext(context, service.build().dockerfile(), tar);
            images.build(tar, SourceCheckout.normalize(service.build().dockerfile()), service.build().args(),
                    service.build().target(), reference,
                    ImageBuilder.labels(spec.application(), service.name(), tree.get()), pushes(config.push(), spec),
                    line -> control.log(task, line));
        } catch (UnsafeSourceException e) {
            control.taskFinished(task, false, e.getMessage());
            return new Built(null, new BuildFailed(request.environmentId(), request.workflowId(), request.commit(),
                    service.name(), e.getMessage(), List.of()));
        } catch (BuildException e) {
            control.taskFinished(task, false, e.getMessage());
            return new Built(null, new BuildFailed(request.environmentId(), request.workflowId(), request.commit(),
                    service.name(), e.getMessage(), e.logTail()));
        } finally {
            Files.deleteIfExists(tar);
        }
        if (KUBERNETES.equals(spec.runtime()) && images.pushes()) {
            // the cluster pulls it from the registry: nothing of a Kubernetes environment stays on the build engine
            images.remove(reference);
            control.log(task, "removed " + reference + " from the build engine: the cluster pulls it from the registry");
        }
        control.taskFinished(task, true, null);
        imagesCounter("built").increment();
        return new Built(new ImageRef(service.name(), reference, true), null);
    }

    /** {@code stagecraft_build_images_total{result}}: images reused (the context unchanged) or built. */
    private Counter imagesCounter(String result) {
        return Counter.builder("stagecraft.build.images")
                .description("Service images a build needed, by result: reused (the tag existed) or built")
                .tag("result", result).register(registry);
    }

    /**
     * Whether this spec's images go to the registry: always, unless {@code stagecraft.build.push} is
     * {@code kubernetes} and the Docker runtime, on this engine, runs the environment.
     */
    static boolean pushes(BuildConfig.Push policy, EnvironmentSpec spec) {
        return policy == BuildConfig.Push.ALWAYS || !DOCKER.equals(spec.runtime());
    }

    private void removeBuilt(List<ImageRef> refs) {
        refs.stream().filter(ImageRef::built).forEach(ref -> images.remove(ref.image()));
    }

    /** The tree id of the context; a non-default Dockerfile, build arguments or a target add a short hash of them. */
    static String tag(String treeId, EnvironmentSpec.BuildSpec build) {
        if ("Dockerfile".equals(build.dockerfile()) && build.args().isEmpty()
                && (build.target() == null || build.target().isBlank())) {
            return treeId;
        }
        StringBuilder options = new StringBuilder(build.dockerfile());
        new java.util.TreeMap<>(build.args()).forEach((k, v) -> options.append('\n').append(k).append('=').append(v));
        options.append("\ntarget=").append(build.target() == null ? "" : build.target());
        return treeId + "-" + SpecHash.sha256(options.toString()).substring(0, 8);
    }

    private static String find(Map<String, String> templates, String file) {
        return templates.entrySet().stream().filter(e -> e.getKey().endsWith("/" + file)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    @Override
    public StageOutcome.Failed failed(CloudEvent command, String task, String reason) {
        BuildRequested request = (BuildRequested) command.data();
        return new BuildFailed(request.environmentId(), request.workflowId(), request.commit(), null, reason, List.of());
    }
}

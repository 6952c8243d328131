package dev.stagecraft.runtime.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jboss.logging.Logger;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Volume;

import dev.stagecraft.runtime.Labels;
import dev.stagecraft.runtime.datasets.ConnectionVariables;
import dev.stagecraft.runtime.datasets.Dataset;
import dev.stagecraft.runtime.datasets.Dataset.Engine;
import dev.stagecraft.runtime.datasets.DatasetCheckouts;
import dev.stagecraft.runtime.datasets.DatasetPools;
import dev.stagecraft.runtime.datasets.DatasetSource;
import dev.stagecraft.runtime.datasets.PoolStatus;

/**
 * The datasets of a Docker engine: for each PostgreSQL dataset, a snapshot volume restored once from its dump, and a
 * pool of ready copies (full copies of the snapshot's files, obfuscated when the dataset says so) that setups check
 * out in a second and teardowns destroy.
 *
 * <p>Docker volumes cannot be relabelled or renamed, so a copy's state is said by the container that holds it, whose
 * name is unique on the engine: {@code stagecraft-dataset-fill-<copy>} while it is being made,
 * {@code stagecraft-dataset-ready-<copy>} once it is in the pool, {@code stagecraft-dataset-claim-<copy>}
 * (labelled with its environment) once checked out. A checkout creates the claim container; the engine refuses a
 * second container of that name, so two setups (in one service or several) never take the same copy. Holders are
 * created and never started; they keep the volume from being removed while they exist. A copy no container holds is
 * left over from a crash and removed by {@link #sweep()}.
 */
public final class DockerDatasets implements DatasetPools {

    private static final Logger LOG = Logger.getLogger(DockerDatasets.class);
    public static final String DATASET = DatasetSource.DATASET;
    /** snapshot, copy (volumes); restore, fill, ready, claim, snapshot (holder containers). */
    public static final String ROLE = DatasetSource.ROLE;
    /** The copy a holder holds. */
    public static final String VOLUME = "stagecraft.dev/dataset-volume";
    /** A hash of the dump and the obfuscation: copies of an older source are never checked out. */
    public static final String SOURCE = DatasetSource.SOURCE;
    static final String PREFIX = "stagecraft-dataset-";
    /** A copy without a holder is removed by the sweep only once it is this old: its fill may be just starting. */
    private static final Duration ORPHAN_AGE = Duration.ofMinutes(2);
    /** A restore or seed container older than its timeouts was left by a process that crashed while it ran. */
    private static final Duration ABANDONED_AGE = Duration.ofHours(4);
    /** The name a seed job reaches its database by. */
    static final String SEED_HOST = "db";

    /** A copy checked out to one environment, and how to reach the database in it once a service serves it. */
    public record Checkout(String dataset, String volume, String database, String user, String password,
            boolean fromPool, Engine engine) implements DatasetCheckouts.Copy {

        static Checkout of(Dataset dataset, String volume, boolean fromPool) {
            return new Checkout(dataset.name(), volume, dataset.database(), dataset.user(), dataset.password(),
                    fromPool, dataset.engine());
        }
    }

    private final DockerClient docker;
    private final Map<String, Dataset> datasets;
    private final ContainerLimits limits;
    private final Map<String, String> sources = new ConcurrentHashMap<>();

    /** @param limits what the restore and copy containers may use */
    public DockerDatasets(DockerClient docker, List<Dataset> datasets, ContainerLimits limits) {
        this.docker = docker;
        this.limits = limits;
        Map<String, Dataset> byName = new LinkedHashMap<>();
        datasets.forEach(d -> byName.put(d.name(), d));
        this.datasets = Map.copyOf(byName);
    }

    @Override
    public Map<String, Dataset> datasets() {
        return datasets;
    }

    /** The snapshot volume's name: the dataset and its source, so a new dump makes a new snapshot. */
    public String snapshotVolume(Dataset dataset) {
        return PREFIX + dataset.name() + "-snapshot-" + source(dataset);
    }

    /**
     * Makes the dataset's snapshot volume unless that was done, by restoring its dump or running its seed job; returns
     * how long that took (zero when the snapshot was there). Another process making it at the same time makes this
     * wait for it.
     */
    public Duration ensureSnapshot(Dataset dataset) throws InterruptedException {
        DatabaseImages.ensure(docker, dataset.engine());
        String volume = snapshotVolume(dataset);
        String holder = PREFIX + "snapshot-" + volume.substring(PREFIX.length());
        // the database container that makes the snapshot; its name is the lock
        String restorer = PREFIX + "restore-" + volume.substring(PREFIX.length());
        if (exists(holder)) {
            return Duration.ZERO;
        }
        long started = System.nanoTime();
        Map<String, String> labels = labels(dataset, "restore");
        String network = null;
        String id;
        try {
            // a fresh volume: one a crashed restore left (no holder) is removed first
            removeVolume(volume);
            docker.createVolumeCmd().withName(volume).withLabels(labels(dataset, "snapshot")).exec();
            List<Bind> binds = List.of(new Bind(volume, new Volume(dataset.engine().dataDirectory())));
            if (dataset.seed() == null) {
                id = create(restorer, labels, dataset, List.of("restore", "/tmp/dump"), binds, "none");
            } else {
                network = seedNetwork(dataset);
                id = create(restorer, labels, dataset, List.of("serve"), binds, network);
            }
        } catch (ConflictException restoring) {
            if (network != null) {
                removeNetwork(network);
            }
            if (!running(restorer)) { // a restore that crashed: the next refill starts again
                removeContainer(restorer);
                throw new IllegalStateException("dataset '" + dataset.name() + "': an earlier restore did not"
                        + " finish; removed it, the next refill restores again");
            }
            awaitGone(restorer, Duration.ofHours(2));
            if (!exists(holder)) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': the restore another process ran"
                        + " did not finish; see its log");
            }
            return Duration.ZERO;
        }
        String what;
        try {
            if (dataset.seed() == null) {
                what = dataset.dump().toString();
                copyInto(id, "dump", dataset.dump());
                run(id, restorer, Duration.ofHours(2), "restore of " + dataset.dump());
            } else {
                what = "the seed job " + dataset.seed().image();
                seed(dataset, id, restorer, network);
            }
            hold(holder, volume, labels(dataset, "snapshot"), "/snapshot");
        } finally {
            removeContainer(id);
            if (network != null) {
                removeNetwork(network);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        LOG.infof("dataset %s: made %s from %s in %d ms", dataset.name(), volume, what, took.toMillis());
        return took;
    }

    /**
     * A network of its own for one seed job and its database, removed afterwards: internal (nothing outside it is
     * reachable, the internet neither), so the job reaches its database and nothing else.
     */
    private String seedNetwork(Dataset dataset) {
        String name = PREFIX + "seed-" + dataset.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        docker.createNetworkCmd().withName(name).withDriver("bridge").withInternal(true)
                .withLabels(labels(dataset, "seed")).withCheckDuplicate(true).exec();
        return name;
    }

    /**
     * Runs the dataset's seed job against the database {@code databaseId} (created to serve a fresh volume on
     * {@code network}, found there as {@value #SEED_HOST}): starts the database, waits until it answers, runs the job
     * with the connection variables an environment's services get and its own, then stops the database cleanly.
     */
    private void seed(Dataset dataset, String databaseId, String databaseName, String network)
            throws InterruptedException {
        Dataset.Seed seed = dataset.seed();
        docker.startContainerCmd(databaseId).exec();
        awaitReady(databaseId, databaseName, dataset, Duration.ofMinutes(5));
        Map<String, String> env = new java.util.TreeMap<>(ConnectionVariables.of(new ConnectionVariables.Copy(
                dataset.name(), dataset.engine(), dataset.database(), dataset.user(), dataset.password()), SEED_HOST,
                dataset.engine().port(), true));
        env.putAll(seed.env());
        String name = PREFIX + "seed-" + databaseName.substring((PREFIX + "restore-").length());
        removeContainer(name); // one a crashed process left: this process holds the snapshot's restore name now
        var create = docker.createContainerCmd(seed.image()).withName(name).withLabels(labels(dataset, "seed"))
                .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withHostConfig(jobHost(network, List.of()));
        if (!seed.command().isEmpty()) {
            create.withEntrypoint(seed.command()).withCmd(List.of());
        }
        String job = create.exec().getId();
        try {
            run(job, name, Duration.ofHours(1), "seed job " + seed.image() + " of dataset '" + dataset.name() + "'");
        } finally {
            removeContainer(job);
        }
        // a clean stop: the server writes everything out, and a copy starts without recovery
        docker.stopContainerCmd(databaseId).withTimeout(300).exec();
        Long exit = docker.inspectContainerCmd(databaseId).exec().getState().getExitCodeLong();
        if (exit == null || exit != 0) {
            throw new IllegalStateException("dataset '" + dataset.name() + "': the database did not stop cleanly"
                    + " after the seed job (exit code " + exit + "): " + DockerRuntime.lastOutput(docker,
                    databaseName, 20));
        }
    }

    /** Waits until the database in {@code id} answers on its port, asking it with the image's {@code ready}. */
    private void awaitReady(String id, String name, Dataset dataset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!running(name)) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': the database for the seed job"
                        + " stopped before it answered: " + DockerRuntime.lastOutput(docker, name, 20));
            }
            String exec = docker.execCreateCmd(id).withCmd(DatabaseImages.readyCommand(dataset.engine())
                    .toArray(String[]::new)).withAttachStdout(true).withAttachStderr(true).exec().getId();
            docker.execStartCmd(exec).exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<>())
                    .awaitCompletion(30, TimeUnit.SECONDS);
            Long exit = docker.inspectExecCmd(exec).exec().getExitCodeLong();
            if (exit != null && exit == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': the database for the seed job did"
                        + " not answer within " + timeout + ": " + DockerRuntime.lastOutput(docker, name, 20));
            }
            Thread.sleep(300);
        }
    }

    /**
     * Makes copies until the pool holds {@code poolSize} ready or filling ones; returns how many it made. Several
     * services refilling at once may each add one too many; the pool then holds a few more until they are used.
     */
    @Override
    public int refill(Dataset dataset) throws InterruptedException {
        PoolStatus status = status(dataset);
        int missing = dataset.poolSize() - status.ready() - status.filling();
        if (missing <= 0) {
            return 0;
        }
        ensureSnapshot(dataset);
        for (int i = 0; i < missing; i++) {
            fill(dataset, null);
        }
        return missing;
    }

    /**
     * Makes one copy of the snapshot, obfuscated when the dataset says so, and puts it in the pool, or, for
     * {@code environmentId}, checks it out to that environment at once.
     */
    String fill(Dataset dataset, String environmentId) throws InterruptedException {
        String volume = PREFIX + dataset.name() + "-" + UUID.randomUUID().toString().substring(0, 12);
        String suffix = volume.substring(PREFIX.length());
        Map<String, String> copyLabels = labels(dataset, "copy");
        docker.createVolumeCmd().withName(volume).withLabels(copyLabels).exec();
        Map<String, String> labels = labels(dataset, "fill");
        labels.put(VOLUME, volume);
        String name = PREFIX + "fill-" + suffix;
        List<String> command = dataset.obfuscate() == null ? List.of("copy") : List.of("copy", "/tmp/obfuscate.sql");
        String id = null;
        boolean pooled = false;
        try {
            id = create(name, labels, dataset, command, List.of(
                    new Bind(volume, new Volume(dataset.engine().dataDirectory())),
                    new Bind(snapshotVolume(dataset), new Volume("/snapshot"), AccessMode.ro)), "none");
            if (dataset.obfuscate() != null) {
                copyInto(id, "obfuscate.sql", dataset.obfuscate());
            }
            run(id, name, Duration.ofHours(1), "copy of " + snapshotVolume(dataset));
            if (environmentId == null) {
                hold(PREFIX + "ready-" + suffix, volume, labels(dataset, "ready"), "/copy");
            } else {
                hold(PREFIX + "claim-" + suffix, volume, claimLabels(environmentId, dataset), "/copy");
            }
            pooled = true;
            return volume;
        } finally {
            if (id != null) {
                removeContainer(id);
            }
            if (!pooled) {
                removeVolume(volume);
            }
        }
    }

    /**
     * The copy of {@code dataset} checked out to {@code environmentId}: the one it has already (a setup run again),
     * else a ready copy from the pool, else a copy made now (slower: the pool was empty).
     */
    public Checkout checkout(String environmentId, Dataset dataset) throws InterruptedException {
        Optional<Checkout> held = checkedOut(environmentId, dataset);
        if (held.isPresent()) {
            return held.get();
        }
        List<Container> ready = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(
                Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, DATASET, dataset.name(), ROLE, "ready",
                SOURCE, source(dataset))).exec();
        for (Container holder : ready) {
            Optional<Checkout> claimed = claim(environmentId, dataset, holder.getLabels().get(VOLUME), true);
            if (claimed.isPresent()) {
                removeContainer(holder.getId());
                return claimed.get();
            }
        }
        LOG.infof("dataset %s: the pool is empty; making a copy for environment %s now", dataset.name(),
                environmentId);
        ensureSnapshot(dataset);
        String volume = fill(dataset, environmentId);
        return Checkout.of(dataset, volume, false);
    }

    /** The copy of {@code dataset} the environment holds, if it holds one. */
    public Optional<Checkout> checkedOut(String environmentId, Dataset dataset) {
        for (Container claim : claims(environmentId)) {
            if (dataset.name().equals(claim.getLabels().get(DATASET))) {
                return Optional.of(Checkout.of(dataset, claim.getLabels().get(VOLUME), true));
            }
        }
        return Optional.empty();
    }

    private Map<String, String> claimLabels(String environmentId, Dataset dataset) {
        Map<String, String> labels = Labels.forEnvironment(environmentId);
        labels.put(DATASET, dataset.name());
        labels.put(ROLE, "claim");
        labels.put(SOURCE, source(dataset));
        return labels;
    }

    private Optional<Checkout> claim(String environmentId, Dataset dataset, String volume, boolean fromPool) {
        try {
            hold(PREFIX + "claim-" + volume.substring(PREFIX.length()), volume, claimLabels(environmentId, dataset),
                    "/copy");
        } catch (ConflictException taken) {
            return Optional.empty(); // another setup took it first
        } catch (NotFoundException gone) {
            return Optional.empty(); // its volume went (a sweep of an older source)
        }
        return Optional.of(Checkout.of(dataset, volume, fromPool));
    }

    /** The copies the environment holds (their claim containers, labelled with it). */
    public List<Container> claims(String environmentId) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.MANAGED_BY,
                Labels.MANAGED_BY_VALUE, Labels.ENVIRONMENT, environmentId, ROLE, "claim")).exec();
    }

    /**
     * Removes the copies {@code volumes} once no container uses them any more (the environment's containers are
     * removed first); returns what could not be removed.
     */
    public List<String> destroy(List<String> volumes) {
        List<String> left = new ArrayList<>();
        for (String volume : volumes) {
            if (!removeVolume(volume)) {
                left.add("volume " + volume);
            }
        }
        return left;
    }

    /**
     * Removes what no dataset should keep: copies of an older source or of a dataset no longer configured (from the
     * pool only: checked-out copies stay with their environment), their snapshots, and copies nothing holds (a crash
     * between a fill and its holder, or between a teardown's container and volume removal). Returns what it removed.
     */
    @Override
    public List<String> sweep() {
        List<String> removed = new ArrayList<>();
        List<Container> holders = docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(
                Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE)).exec().stream()
                .filter(c -> c.getLabels().containsKey(ROLE)).toList();
        for (Container holder : holders) {
            String role = holder.getLabels().get(ROLE);
            Dataset dataset = datasets.get(holder.getLabels().get(DATASET));
            String current = dataset == null ? null : currentSource(dataset);
            boolean stale = dataset == null || !current.isEmpty() && !current.equals(holder.getLabels().get(SOURCE));
            boolean abandoned = ("restore".equals(role) || "seed".equals(role)) && holder.getCreated() != null
                    && Instant.ofEpochSecond(holder.getCreated()).isBefore(Instant.now().minus(ABANDONED_AGE));
            if (abandoned || stale && ("ready".equals(role) || "snapshot".equals(role))) {
                removeContainer(holder.getId());
                removed.add("container " + holder.getNames()[0].replaceFirst("^/", ""));
                String volume = holder.getLabels().get(VOLUME);
                if (volume != null && removeVolume(volume)) {
                    removed.add("volume " + volume);
                }
            }
        }
        for (var listed : docker.listNetworksCmd().withFilter("label", List.of(ROLE + "=seed")).exec()) {
            // a seed's network outlives its seed only when the process running it crashed; a list does not say which
            // containers a network has, an inspection does
            if (abandonedSeedNetwork(listed.getId())) {
                removeNetwork(listed.getId());
                removed.add("network " + listed.getName());
            }
        }
        java.util.Set<String> held = new java.util.HashSet<>();
        docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(Labels.MANAGED_BY,
                Labels.MANAGED_BY_VALUE)).exec().forEach(c -> {
                    if (c.getMounts() != null) {
                        c.getMounts().forEach(m -> held.add(m.getName()));
                    }
                });
        var volumes = docker.listVolumesCmd().withFilter("label", List.of(Labels.MANAGED_BY + "="
                + Labels.MANAGED_BY_VALUE)).exec().getVolumes();
        for (var volume : volumes == null ? List.<com.github.dockerjava.api.command.InspectVolumeResponse>of()
                : volumes) {
            Map<String, String> labels = volume.getLabels() == null ? Map.of() : volume.getLabels();
            if (!labels.containsKey(DATASET) || held.contains(volume.getName())) {
                continue;
            }
            Instant created = createdAt(volume.getName());
            if (created != null && created.isAfter(Instant.now().minus(ORPHAN_AGE))) {
                continue;
            }
            if (removeVolume(volume.getName())) {
                removed.add("volume " + volume.getName());
            }
        }
        return removed;
    }

    /** The pool of {@code dataset}: copies of its current source by state. */
    @Override
    public PoolStatus status(Dataset dataset) {
        int ready = 0;
        int filling = 0;
        int claimed = 0;
        boolean snapshot = false;
        String source = source(dataset);
        for (Container c : docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(
                Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE, DATASET, dataset.name())).exec()) {
            String role = c.getLabels().get(ROLE);
            if ("ready".equals(role) && source.equals(c.getLabels().get(SOURCE))) {
                ready++;
            } else if ("fill".equals(role)) {
                filling++;
            } else if ("claim".equals(role)) {
                claimed++;
            } else if ("snapshot".equals(role) && source.equals(c.getLabels().get(SOURCE))) {
                snapshot = true;
            }
        }
        return new PoolStatus(dataset.name(), dataset.poolSize(), snapshot, ready, filling, claimed);
    }

    /**
     * A hash of what the snapshot is made from: the engine; the dump's content, or the seed job's image id, command
     * and variables; the obfuscation's content; the database and the user. Computed once per dataset and seed image.
     */
    public String source(Dataset dataset) {
        String seedImage = dataset.seed() == null ? "" : seedImageId(dataset);
        return sources.computeIfAbsent(dataset.name() + "@" + seedImage,
                n -> DatasetSource.hash(dataset, dataset.seed() == null ? null : seedImage));
    }

    /** The id of the seed job's image on the engine, pulled first when the engine lacks it. */
    private String seedImageId(Dataset dataset) {
        String image = dataset.seed().image();
        try {
            return docker.inspectImageCmd(image).exec().getId();
        } catch (NotFoundException missing) {
            try {
                docker.pullImageCmd(image).start().awaitCompletion(10, TimeUnit.MINUTES);
                return docker.inspectImageCmd(image).exec().getId();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pulling " + image);
            } catch (RuntimeException e) {
                throw new IllegalStateException("dataset '" + dataset.name() + "': the seed image " + image
                        + " (stagecraft.datasets." + dataset.name() + ".seed.image) is not on the Docker engine and"
                        + " could not be pulled: " + e.getMessage(), e);
            }
        }
    }

    /**
     * A container of the dataset engine's base image on {@code network} ({@code none} but for a seed job's database,
     * found there as {@value #SEED_HOST}), with the limits and fences of a job.
     */
    private String create(String name, Map<String, String> labels, Dataset dataset, List<String> command,
            List<Bind> binds, String network) {
        var create = docker.createContainerCmd(DatabaseImages.image(dataset.engine())).withName(name)
                .withLabels(labels).withCmd(command)
                .withEnv(DatabaseImages.servingVariables(dataset.engine(), dataset.database(), dataset.user(),
                        dataset.password()).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withHostConfig(jobHost(network, binds));
        if (!"none".equals(network)) {
            create.withAliases(SEED_HOST);
        }
        return create.exec().getId();
    }

    /** The host configuration of a job's container: its network only, the limits, no privileges to gain. */
    private HostConfig jobHost(String network, List<Bind> binds) {
        return HostConfig.newHostConfig().withNetworkMode(network).withBinds(binds)
                .withMemory(limits.memoryBytes()).withMemorySwap(limits.memoryBytes()).withNanoCPUs(limits.nanoCpus())
                .withPidsLimit(limits.pids()).withSecurityOpts(List.of("no-new-privileges"))
                .withCapDrop(Capability.NET_RAW);
    }

    /** Starts {@code id} and waits for it to exit 0; otherwise fails with its last output. */
    private void run(String id, String name, Duration timeout, String what) throws InterruptedException {
        docker.startContainerCmd(id).exec();
        Integer exit;
        try {
            exit = docker.waitContainerCmd(id).start().awaitStatusCode(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (RuntimeException timedOut) {
            exit = null;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException(what + " interrupted");
        }
        if (exit == null || exit != 0) {
            throw new IllegalStateException(what + (exit == null ? " ran longer than " + timeout
                    : " exited with code " + exit) + ": " + DockerRuntime.lastOutput(docker, name, 20));
        }
    }

    /** A holder: a container that is never started, mounting {@code volume}; its name says the volume's state. */
    private void hold(String name, String volume, Map<String, String> labels, String path) {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(VOLUME, volume);
        docker.createContainerCmd(BaseImages.BUSYBOX).withName(name).withLabels(all).withCmd("true")
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")
                        .withBinds(new Bind(volume, new Volume(path))))
                .exec();
    }

    private Map<String, String> labels(Dataset dataset, String role) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        labels.put(DATASET, dataset.name());
        labels.put(ROLE, role);
        labels.put(SOURCE, source(dataset));
        return labels;
    }

    private boolean running(String container) {
        try {
            return Boolean.TRUE.equals(docker.inspectContainerCmd(container).exec().getState().getRunning());
        } catch (NotFoundException absent) {
            return false;
        }
    }

    private boolean exists(String container) {
        try {
            docker.inspectContainerCmd(container).exec();
            return true;
        } catch (NotFoundException absent) {
            return false;
        }
    }

    private void awaitGone(String container, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (exists(container) && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
    }

    private void removeContainer(String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).exec();
        } catch (NotFoundException alreadyGone) {
            // converging
        }
    }

    /** Whether {@code volume} is gone (removed now or before); false while a container still uses it. */
    private boolean removeVolume(String volume) {
        try {
            docker.removeVolumeCmd(volume).exec();
            return true;
        } catch (NotFoundException alreadyGone) {
            return true;
        } catch (ConflictException inUse) {
            LOG.debugf("volume %s is still in use: %s", volume, inUse.getMessage());
            return false;
        }
    }

    private void removeNetwork(String network) {
        try {
            docker.removeNetworkCmd(network).exec();
        } catch (NotFoundException alreadyGone) {
            // converging
        } catch (RuntimeException e) {
            LOG.warnf("dataset seed network %s could not be removed: %s", network, e.getMessage());
        }
    }

    /** The source of {@code dataset}, or none when it cannot be told now (a seed image that cannot be pulled). */
    private String currentSource(Dataset dataset) {
        try {
            return source(dataset);
        } catch (RuntimeException unknown) {
            LOG.warnf("dataset %s: %s; its pool is left as it is", dataset.name(), unknown.getMessage());
            return "";
        }
    }

    /** Whether the seed network {@code id} has no container and was made long enough ago not to be starting. */
    private boolean abandonedSeedNetwork(String id) {
        try {
            var network = docker.inspectNetworkCmd().withNetworkId(id).exec();
            Object created = network.getRawValues().get("Created");
            return (network.getContainers() == null || network.getContainers().isEmpty()) && created != null
                    && java.time.OffsetDateTime.parse(created.toString()).toInstant()
                            .isBefore(Instant.now().minus(ORPHAN_AGE));
        } catch (RuntimeException unknown) {
            return false;
        }
    }

    private Instant createdAt(String volume) {
        try {
            Object created = docker.inspectVolumeCmd(volume).exec().getRawValues().get("CreatedAt");
            return created == null ? null : java.time.OffsetDateTime.parse(created.toString()).toInstant();
        } catch (RuntimeException unknown) {
            return null;
        }
    }

    /**
     * Copies {@code file} into the container's {@code /tmp} as {@code name}, readable by the database's user. The tar
     * the engine takes is written to a temporary file first: a dump may be far larger than a stage service's heap.
     */
    private void copyInto(String containerId, String name, Path file) {
        Path tarFile = null;
        try {
            tarFile = Files.createTempFile("stagecraft-dataset-", ".tar");
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarFile))) {
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                TarArchiveEntry entry = new TarArchiveEntry(name);
                entry.setSize(Files.size(file));
                entry.setMode(0100644);
                tar.putArchiveEntry(entry);
                Files.copy(file, tar);
                tar.closeArchiveEntry();
            }
            try (InputStream in = Files.newInputStream(tarFile)) {
                docker.copyArchiveToContainerCmd(containerId).withRemotePath("/tmp").withTarInputStream(in).exec();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("dataset file " + file + " cannot be read: " + e.getMessage(), e);
        } finally {
            if (tarFile != null) {
                try {
                    Files.deleteIfExists(tarFile);
                } catch (IOException e) {
                    LOG.debugf("temporary file %s not removed: %s", tarFile, e.getMessage());
                }
            }
        }
    }
}

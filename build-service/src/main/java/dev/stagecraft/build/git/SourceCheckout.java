package dev.stagecraft.build.git;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;

import dev.stagecraft.build.BuildConfig;
import dev.stagecraft.events.cloudevents.SpecHash;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;

/**
 * Gets the source of a commit. Keeps one bare mirror per repository (fetched before each build, under a lock per
 * repository) and reads the commit straight from its git objects: nothing of the repository is written to disk as
 * files, so no symlink in it is ever followed on this machine. A build context becomes a tar in which a symlink
 * stays a symlink, and only one that resolves to a path inside the context is accepted.
 */
@ApplicationScoped
public class SourceCheckout {

    /** The largest template file accepted. */
    public static final int MAX_TEMPLATE_BYTES = 512 * 1024;
    private static final List<String> TEMPLATE_DIRS = List.of(".stagecraft", ".release");
    private static final List<String> TEMPLATE_FILES = List.of("application_template.yaml", "environment_variables.yaml");

    @Inject
    BuildConfig config;

    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /** One commit of a fetched repository: its tree ids, templates and build contexts, read from git objects. */
    public record Source(Repository repository, RevCommit commit) implements AutoCloseable {

        /** The git tree id of {@code path} (a directory) at this commit, or empty when it does not exist. */
        public Optional<String> treeId(String path) throws IOException {
            String p = normalize(path);
            if (p.isEmpty()) {
                return Optional.of(commit.getTree().getName());
            }
            try (TreeWalk walk = TreeWalk.forPath(repository, p, commit.getTree())) {
                if (walk == null || walk.getFileMode(0) != FileMode.TREE) {
                    return Optional.empty();
                }
                return Optional.of(walk.getObjectId(0).getName());
            }
        }

        /**
         * Writes the directory {@code context} of this commit as a tar (the build context) to {@code out}: regular
         * and executable files, and symlinks as symlinks. Refuses a symlink that is absolute, climbs out of the
         * context, or points at nothing in it, and a {@code dockerfile} that is not in the context.
         */
        public void writeContext(String context, String dockerfile, Path out) throws IOException, UnsafeSourceException {
            String root = normalize(context);
            List<Entry> entries = new ArrayList<>();
            Set<String> present = new HashSet<>(Set.of(""));
            try (TreeWalk walk = new TreeWalk(repository)) {
                walk.addTree(commit.getTree());
                walk.setRecursive(true);
                if (!root.isEmpty()) {
                    walk.setFilter(org.eclipse.jgit.treewalk.filter.PathFilter.create(root));
                }
                while (walk.next()) {
                    FileMode mode = walk.getFileMode(0);
                    if (mode == FileMode.GITLINK) {
                        continue; // submodules are not part of this commit's content
                    }
                    String inContext = root.isEmpty() ? walk.getPathString() : walk.getPathString().substring(root.length() + 1);
                    entries.add(new Entry(inContext, mode, walk.getObjectId(0)));
                    for (String p = inContext; !p.isEmpty(); p = parent(p)) {
                        present.add(p);
                    }
                }
            }
            String dockerfilePath = normalize(dockerfile);
            if (dockerfilePath.startsWith("..") || !present.contains(dockerfilePath)) {
                throw new UnsafeSourceException("no Dockerfile at " + join(root, dockerfile) + " in the build context "
                        + display(root) + "; the dockerfile must be a file inside the context");
            }
            long time = commit.getCommitTime() * 1000L;
            try (OutputStream file = Files.newOutputStream(out);
                    TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                Set<String> directories = new HashSet<>();
                for (Entry e : entries) {
                    for (String dir : parents(e.path())) {
                        if (directories.add(dir)) {
                            TarArchiveEntry d = new TarArchiveEntry(dir + "/");
                            d.setMode(040755);
                            d.setModTime(new Date(time));
                            tar.putArchiveEntry(d);
                            tar.closeArchiveEntry();
                        }
                    }
                    ObjectLoader blob = repository.open(e.id());
                    if (e.mode() == FileMode.SYMLINK) {
                        String target = new String(blob.getBytes(), StandardCharsets.UTF_8);
                        checkLink(root, e.path(), target, present);
                        TarArchiveEntry link = new TarArchiveEntry(e.path(), TarConstants.LF_SYMLINK);
                        link.setLinkName(target);
                        link.setMode(0120777);
                        link.setModTime(new Date(time));
                        tar.putArchiveEntry(link);
                        tar.closeArchiveEntry();
                        continue;
                    }
                    TarArchiveEntry f = new TarArchiveEntry(e.path());
                    f.setSize(blob.getSize());
                    f.setMode(e.mode() == FileMode.EXECUTABLE_FILE ? 0100755 : 0100644);
                    f.setModTime(new Date(time));
                    tar.putArchiveEntry(f);
                    blob.copyTo(tar);
                    tar.closeArchiveEntry();
                }
            }
        }

        /** The template files the repository holds at this commit ({@code .stagecraft/} wins over {@code .release/}). */
        public Map<String, String> templates() throws IOException, UnsafeSourceException {
            for (String dir : TEMPLATE_DIRS) {
                Map<String, String> found = new LinkedHashMap<>();
                for (String file : TEMPLATE_FILES) {
                    String path = dir + "/" + file;
                    try (TreeWalk walk = TreeWalk.forPath(repository, path, commit.getTree())) {
                        if (walk == null) {
                            continue;
                        }
                        FileMode mode = walk.getFileMode(0);
                        if (mode == FileMode.SYMLINK) {
                            throw new UnsafeSourceException("template file " + path + " is a symlink; template files"
                                    + " must be regular files of the repository");
                        }
                        if (mode != FileMode.REGULAR_FILE && mode != FileMode.EXECUTABLE_FILE) {
                            continue;
                        }
                        ObjectLoader blob = repository.open(walk.getObjectId(0));
                        if (blob.getSize() > MAX_TEMPLATE_BYTES) {
                            throw new UnsafeSourceException("template file " + path + " has " + blob.getSize()
                                    + " bytes; at most " + MAX_TEMPLATE_BYTES + " (512 KiB) are accepted");
                        }
                        found.put(path, new String(blob.getBytes(), StandardCharsets.UTF_8));
                    }
                }
                if (found.containsKey(dir + "/" + TEMPLATE_FILES.get(0))) {
                    return found;
                }
            }
            return Map.of();
        }

        @Override
        public void close() {
            repository.close();
        }
    }

    private record Entry(String path, FileMode mode, ObjectId id) {
    }

    /** Fetches {@code url} and opens {@code commitSha} in its mirror. */
    @WithSpan("git checkout")
    public Source checkout(@SpanAttribute("stagecraft.repository") String url,
            @SpanAttribute("stagecraft.commit") String commitSha) throws IOException, GitAPIException {
        Path mirror = config.workDir().resolve("mirrors").resolve(digest(url));
        Object lock = locks.computeIfAbsent(mirror.toString(), k -> new Object());
        synchronized (lock) {
            // instances may share the work directory (a shared volume, or several on one machine): a file lock
            // keeps their fetches into one mirror apart, as the monitor above does for this instance's threads
            Path lockFile = lockFile(config.workDir(), url);
            Files.createDirectories(lockFile.getParent());
            try (FileChannel file = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = file.lock()) {
                fetchUntilPresent(url, mirror, commitSha);
            }
        }
        Repository repo = Git.open(mirror.toFile()).getRepository();
        try (RevWalk walk = new RevWalk(repo)) {
            // an abbreviated id (Bitbucket sends 12 characters) is resolved against the mirror
            ObjectId id = commitSha.matches("[0-9a-f]{4,40}") ? repo.resolve(commitSha) : null;
            if (id == null) {
                throw new MissingObjectException(ObjectId.zeroId(), "commit");
            }
            return new Source(repo, walk.parseCommit(id));
        } catch (MissingObjectException e) {
            repo.close();
            throw new IOException("commit " + commitSha + " is not in " + url + " (not on any branch or pull request ref)");
        }
    }

    /** A branch of a repository and the commit it points at. */
    public record BranchHead(String branch, String commit) {
    }

    /**
     * The first of {@code branches} that {@code url} has, with its commit; {@code HEAD} stands for the repository's
     * default branch. Empty when it has none of them.
     */
    @WithSpan("git ls-remote")
    public Optional<BranchHead> firstBranch(@SpanAttribute("stagecraft.repository") String url, List<String> branches)
            throws GitAPIException {
        Map<String, Ref> refs = Git.lsRemoteRepository().setRemote(url).setTimeout(60).callAsMap();
        for (String branch : branches) {
            Ref ref = refs.get(branch.equals("HEAD") ? "HEAD" : "refs/heads/" + branch);
            if (ref == null || ref.getObjectId() == null) {
                continue;
            }
            String name = branch;
            if (branch.equals("HEAD")) {
                // the default branch's name: HEAD's target, else the branch pointing at the same commit
                name = ref.isSymbolic() ? Repository.shortenRefName(ref.getTarget().getName())
                        : refs.values().stream().filter(r -> r.getName().startsWith("refs/heads/")
                                && ref.getObjectId().equals(r.getObjectId())).map(r -> Repository.shortenRefName(
                                        r.getName())).findFirst().orElse("HEAD");
            }
            return Optional.of(new BranchHead(name, ref.getObjectId().name()));
        }
        return Optional.empty();
    }

    /** The file whose lock an instance holds while it fetches {@code url} into its mirror under {@code workDir}. */
    static Path lockFile(Path workDir, String url) {
        return workDir.resolve("mirrors").resolve(digest(url) + ".lock");
    }

    /** Fetches; a webhook may arrive before the host serves the ref that holds its commit, so fetches again, briefly. */
    private static void fetchUntilPresent(String url, Path mirror, String commitSha) throws IOException, GitAPIException {
        fetch(url, mirror, commitSha);
        for (int attempt = 1; attempt < FETCH_ATTEMPTS && !has(mirror, commitSha); attempt++) {
            try {
                Thread.sleep(FETCH_PAUSE_MS * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + url, e);
            }
            fetch(url, mirror, commitSha);
        }
    }

    private static final int FETCH_ATTEMPTS = 4;
    private static final long FETCH_PAUSE_MS = 500;

    /** Whether the mirror holds {@code commitSha} (a full or abbreviated id). */
    private static boolean has(Path mirror, String commitSha) throws IOException {
        if (!commitSha.matches("[0-9a-f]{4,40}")) {
            return true; // not an id: the lookup after the fetch says what is wrong
        }
        try (Git git = Git.open(mirror.toFile())) {
            return git.getRepository().resolve(commitSha) != null;
        }
    }

    /** A file for a build context tar; the caller deletes it. */
    public Path newContextFile() throws IOException {
        return Files.createTempFile(Files.createDirectories(config.workDir().resolve("contexts")), "context-", ".tar");
    }

    private static void fetch(String url, Path mirror, String commitSha) throws IOException, GitAPIException {
        if (!Files.exists(mirror.resolve("HEAD"))) {
            Files.createDirectories(mirror);
            Git.init().setBare(true).setDirectory(mirror.toFile()).call().close();
        }
        try (Git git = Git.open(mirror.toFile())) {
            if (ObjectId.isId(commitSha) && git.getRepository().getObjectDatabase().has(ObjectId.fromString(commitSha))) {
                return;
            }
            git.fetch().setRemote(url).setRemoveDeletedRefs(true).setRefSpecs(
                    new RefSpec("+refs/heads/*:refs/heads/*"),
                    new RefSpec("+refs/pull/*/head:refs/pull/*/head"),
                    new RefSpec("+refs/merge-requests/*/head:refs/merge-requests/*/head"))
                    .setTimeout(120).call();
        }
    }

    /** A symlink at {@code path} (inside the context) may only point at something else inside the context. */
    static void checkLink(String root, String path, String target, Set<String> present) throws UnsafeSourceException {
        String where = join(root, path);
        if (target.startsWith("/")) {
            throw new UnsafeSourceException("symlink " + where + " -> " + target + " is absolute; only relative"
                    + " symlinks to paths inside the build context " + display(root) + " are accepted");
        }
        String resolved = normalize(parent(path) + "/" + target);
        if (resolved.equals("..") || resolved.startsWith("../")) {
            throw new UnsafeSourceException("symlink " + where + " -> " + target + " points outside the build context "
                    + display(root) + "; only symlinks to paths inside it are accepted");
        }
        if (!present.contains(resolved)) {
            throw new UnsafeSourceException("symlink " + where + " -> " + target + " points at nothing in the build"
                    + " context " + display(root));
        }
    }

    /** {@code a/./b/../c/} → {@code a/c}; a leading {@code ..} stays (it climbs out); "" is the root. */
    public static String normalize(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.replace('\\', '/').split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..") && !parts.isEmpty() && !parts.get(parts.size() - 1).equals("..")) {
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    private static List<String> parents(String path) {
        List<String> dirs = new ArrayList<>();
        for (String p = parent(path); !p.isEmpty(); p = parent(p)) {
            dirs.add(0, p);
        }
        return dirs;
    }

    private static String join(String root, String path) {
        return root.isEmpty() ? path : root + "/" + path;
    }

    private static String display(String root) {
        return root.isEmpty() ? "(the repository root)" : "'" + root + "'";
    }

    private static String digest(String url) {
        return SpecHash.sha256(url).substring(0, 24);
    }
}

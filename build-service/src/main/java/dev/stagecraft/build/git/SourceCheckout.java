package dev.stagecraft.build.git;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Gets the source of a commit. Keeps one bare mirror per repository (fetched before each build, under a lock per
 * repository) and exports the commit's tree into a fresh directory, so builds of one repository run in parallel.
 */
@ApplicationScoped
public class SourceCheckout {

    private static final List<String> TEMPLATE_DIRS = List.of(".stagecraft", ".release");
    private static final List<String> TEMPLATE_FILES = List.of("application_template.yaml", "environment_variables.yaml");

    @ConfigProperty(name = "stagecraft.build.work-dir")
    Path workDir;

    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /** The exported source of one commit: its directory and the tree ids needed for image tags. */
    public record Source(Path directory, Repository repository, RevCommit commit) implements AutoCloseable {

        /** The git tree id of {@code path} (a directory) at this commit, or empty when it does not exist. */
        public Optional<String> treeId(String path) throws IOException {
            if (path.equals(".") || path.isEmpty()) {
                return Optional.of(commit.getTree().getName());
            }
            try (TreeWalk walk = TreeWalk.forPath(repository, path, commit.getTree())) {
                if (walk == null || walk.getFileMode(0) != FileMode.TREE) {
                    return Optional.empty();
                }
                return Optional.of(walk.getObjectId(0).getName());
            }
        }

        @Override
        public void close() {
            repository.close();
            deleteRecursively(directory);
        }
    }

    /** Fetches {@code url} and exports {@code commitSha} into a new directory. */
    public Source checkout(String url, String commitSha) throws IOException, GitAPIException {
        Path mirror = workDir.resolve("mirrors").resolve(digest(url));
        Object lock = locks.computeIfAbsent(mirror.toString(), k -> new Object());
        synchronized (lock) {
            fetch(url, mirror, commitSha);
        }
        Repository repo = Git.open(mirror.toFile()).getRepository();
        try (RevWalk walk = new RevWalk(repo)) {
            // an abbreviated id (Bitbucket sends 12 characters) is resolved against the mirror
            ObjectId id = commitSha.matches("[0-9a-f]{4,40}") ? repo.resolve(commitSha) : null;
            if (id == null) {
                throw new MissingObjectException(ObjectId.zeroId(), "commit");
            }
            RevCommit commit = walk.parseCommit(id);
            Path dir = Files.createDirectories(workDir.resolve("checkouts")).resolve(commit.getName().substring(0, 12) + "-"
                    + System.nanoTime());
            Files.createDirectories(dir);
            export(repo, commit, dir);
            return new Source(dir, repo, commit);
        } catch (MissingObjectException e) {
            repo.close();
            throw new IOException("commit " + commitSha + " is not in " + url + " (not on any branch or pull request ref)");
        }
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

    private static void export(Repository repo, RevCommit commit, Path dir) throws IOException {
        try (TreeWalk walk = new TreeWalk(repo)) {
            walk.addTree(commit.getTree());
            walk.setRecursive(true);
            while (walk.next()) {
                Path target = dir.resolve(walk.getPathString()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("refusing path outside the checkout: " + walk.getPathString());
                }
                Files.createDirectories(target.getParent());
                FileMode mode = walk.getFileMode(0);
                if (mode == FileMode.GITLINK) {
                    continue; // submodules are not part of this commit's content
                }
                var loader = repo.open(walk.getObjectId(0));
                if (mode == FileMode.SYMLINK) {
                    Files.createSymbolicLink(target, Path.of(new String(loader.getBytes(), StandardCharsets.UTF_8)));
                    continue;
                }
                try (OutputStream out = Files.newOutputStream(target)) {
                    loader.copyTo(out);
                }
                if (mode == FileMode.EXECUTABLE_FILE) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    /** The template files the repository holds at this commit ({@code .stagecraft/} wins over {@code .release/}). */
    public static Map<String, String> templates(Source source) throws IOException {
        for (String dir : TEMPLATE_DIRS) {
            Map<String, String> found = new LinkedHashMap<>();
            for (String file : TEMPLATE_FILES) {
                Path path = source.directory().resolve(dir).resolve(file);
                if (Files.isRegularFile(path)) {
                    found.put(dir + "/" + file, Files.readString(path));
                }
            }
            if (found.containsKey(dir + "/" + TEMPLATE_FILES.get(0))) {
                return found;
            }
        }
        return Map.of();
    }

    private static String digest(String url) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void deleteRecursively(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover checkout directory is harmless and reclaimed with the work directory
        }
    }
}

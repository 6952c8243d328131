package dev.stagecraft.build.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.stagecraft.build.BuildConfig;
import dev.stagecraft.build.git.SourceCheckout.Source;
import dev.stagecraft.infra.TestConfigs;

/** Build contexts and templates come from git objects; symlinks never lead out of the context. */
class SourceCheckoutTest {

    @TempDir
    Path dir;

    /** Commits {@code files} (content, or "-> target" for a symlink) to a new repository and opens the commit. */
    private Source commit(Map<String, String> files) throws Exception {
        Path work = dir.resolve("work");
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call()) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                Path path = work.resolve(f.getKey());
                Files.createDirectories(path.getParent());
                if (f.getValue().startsWith("-> ")) {
                    Files.createSymbolicLink(path, Path.of(f.getValue().substring(3)));
                } else {
                    Files.writeString(path, f.getValue());
                }
                git.add().addFilepattern(f.getKey()).call();
            }
            RevCommit commit = git.commit().setMessage("test").setAuthor("t", "t@example.test")
                    .setCommitter("t", "t@example.test").setSign(false).call();
            return new Source(Git.open(work.toFile()).getRepository(), commit);
        }
    }

    private Map<String, TarArchiveEntry> context(Source source, String context, String dockerfile) throws Exception {
        Path tar = dir.resolve("context.tar");
        source.writeContext(context, dockerfile, tar);
        Map<String, TarArchiveEntry> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(tar); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
                entries.put(e.getName(), e);
            }
        }
        return entries;
    }

    @Test
    void theContextHoldsTheDirectoryAndKeepsAnInsideSymlinkAsASymlink() throws Exception {
        try (Source source = commit(Map.of("web/Dockerfile", "FROM scratch\n", "web/www/index.html", "hi",
                "web/current", "-> www/index.html", "api/secret.txt", "not web's"))) {
            Map<String, TarArchiveEntry> entries = context(source, "./web", "Dockerfile");
            assertTrue(entries.containsKey("Dockerfile"), entries.keySet().toString());
            assertEquals(2, entries.get("www/index.html").getSize());
            assertTrue(entries.get("www/").isDirectory());
            TarArchiveEntry link = entries.get("current");
            assertTrue(link.isSymbolicLink());
            assertEquals("www/index.html", link.getLinkName());
            assertFalse(entries.keySet().stream().anyMatch(k -> k.contains("secret")), "only the context");
        }
    }

    @Test
    void symlinksLeavingTheContextRefuseTheBuildNamingThePath() throws Exception {
        Map<String, String> cases = Map.of(
                "-> /etc", "is absolute",
                "-> /proc/self/environ", "is absolute",
                "-> ../../mirrors", "points outside the build context",
                "-> ../api", "points outside the build context",
                "-> missing.txt", "points at nothing");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir))
                    .forEach(p -> p.toFile().delete());
            try (Source source = commit(Map.of("web/Dockerfile", "FROM scratch\n", "web/leak", c.getKey(),
                    "api/x", "x"))) {
                UnsafeSourceException refused = assertThrows(UnsafeSourceException.class,
                        () -> context(source, "web", "Dockerfile"), c.getKey());
                assertTrue(refused.getMessage().contains("symlink web/leak") && refused.getMessage().contains(c.getValue()),
                        refused.getMessage());
            }
        }
    }

    @Test
    void aDockerfileOutsideTheContextIsRefused() throws Exception {
        try (Source source = commit(Map.of("web/index.html", "x", "Dockerfile", "FROM scratch\n"))) {
            UnsafeSourceException refused = assertThrows(UnsafeSourceException.class,
                    () -> context(source, "web", "../Dockerfile"));
            assertTrue(refused.getMessage().contains("no Dockerfile at web/../Dockerfile"), refused.getMessage());
        }
    }

    @Test
    void templatesAreReadFromGitAndASymlinkedOrOversizedOneIsRefused() throws Exception {
        try (Source source = commit(Map.of(".stagecraft/application_template.yaml", "services: []\n",
                ".release/application_template.yaml", "ignored: true\n"))) {
            assertEquals(Map.of(".stagecraft/application_template.yaml", "services: []\n"), source.templates());
        }
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        try (Source source = commit(Map.of(".stagecraft/application_template.yaml", "services: []\n",
                ".stagecraft/environment_variables.yaml", "-> /proc/self/environ"))) {
            UnsafeSourceException refused = assertThrows(UnsafeSourceException.class, source::templates);
            assertTrue(refused.getMessage().contains(".stagecraft/environment_variables.yaml is a symlink"),
                    refused.getMessage());
        }
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        try (Source source = commit(Map.of(".stagecraft/application_template.yaml",
                "# " + "x".repeat(2 * 1024 * 1024) + "\n"))) {
            UnsafeSourceException refused = assertThrows(UnsafeSourceException.class, source::templates);
            assertTrue(refused.getMessage().contains("at most 524288 (512 KiB)"), refused.getMessage());
        }
    }

    @Test
    void anotherProcessFetchingIntoTheSameMirrorIsWaitedFor() throws Exception {
        Path work = dir.resolve("work");
        String sha;
        try (Source source = commit(Map.of("Dockerfile", "FROM scratch\n"))) {
            sha = source.commit().getName();
        }
        SourceCheckout checkout = new SourceCheckout();
        checkout.config = TestConfigs.mapping(BuildConfig.class, Map.of("stagecraft.build.work-dir",
                dir.resolve("build").toString()));
        String url = work.toUri().toString();
        Path released = dir.resolve("released");
        // a second instance sharing the work directory, as a separate process holding the mirror's lock
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MirrorLockHolder.class.getName(),
                SourceCheckout.lockFile(checkout.config.workDir(), url).toString(), released.toString(), "1500")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start(); // stderr may carry JVM notices
        try {
            String first = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream())).readLine();
            assertEquals("locked", first);
            try (Source source = checkout.checkout(url, sha)) {
                assertEquals(sha, source.commit().getName());
            }
            assertTrue(Files.exists(released), "the checkout fetched while the other process held the mirror");
        } finally {
            other.destroy();
            other.waitFor();
        }
    }

    @Test
    void pathsAreNormalisedWithoutFollowingAnything() {
        assertEquals("web", SourceCheckout.normalize("./web/"));
        assertEquals("", SourceCheckout.normalize("."));
        assertEquals("../x", SourceCheckout.normalize("a/../../x"));
        assertEquals("a/c", SourceCheckout.normalize("a/b/../c"));
    }
}

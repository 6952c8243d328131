package dev.stagecraft.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.URIish;

/**
 * The sample application: a git repository with two services, web and api, each a Dockerfile built FROM the local
 * busybox base image that serves one page with httpd on $PORT. Commits are pushed to a bare repository. The tests of
 * every module that register an application use its template; those that need a repository on disk, this class.
 */
public final class SampleRepository implements AutoCloseable {

    public static final String NAME = "shop";
    /** The application template of the sample application: {@link #service} web and api. */
    public static final String TEMPLATE = "app: shop\nservices:\n" + service("web") + service("api");

    private final Git work;
    private final Path bare;

    private SampleRepository(Git work, Path bare) {
        this.work = work;
        this.bare = bare;
    }

    /**
     * A service of a template's {@code services} list as the sample application has them: built from the
     * Dockerfile in {@code ./<name>}, answering on container port 8080.
     */
    public static String service(String name) {
        return """
                - name: %1$s
                  build:
                    context: ./%1$s
                  ports:
                  - type: container_port
                    port: '8080'
                """.formatted(name);
    }

    /** Creates {@code base}/shop.git with one commit on main; {@code nonce} makes its images unique to this run. */
    public static SampleRepository create(Path base, String nonce) throws IOException, GitAPIException,
            java.net.URISyntaxException {
        return create(base, NAME, Map.of(
                "web/Dockerfile", dockerfile(),
                "web/index.html", "web v1 " + nonce + "\n",
                "api/Dockerfile", dockerfile(),
                "api/index.html", "api v1 " + nonce + "\n",
                "README.md", "Sample application for Stagecraft.\n"), "Two services: web and api");
    }

    /**
     * Creates {@code base}/{@code name}.git with one commit of {@code files} on main (a value {@code "-> target"}
     * is committed as a symlink to target).
     */
    public static SampleRepository create(Path base, String name, Map<String, String> files, String message)
            throws IOException, GitAPIException, java.net.URISyntaxException {
        Path bare = base.resolve(name + ".git");
        Git.init().setBare(true).setDirectory(bare.toFile()).setInitialBranch("main").call().close();
        Path workDir = base.resolve("work-" + name);
        Git work = Git.init().setDirectory(workDir.toFile()).setInitialBranch("main").call();
        work.remoteAdd().setName("origin").setUri(new URIish(bare.toUri().toString())).call();
        SampleRepository repo = new SampleRepository(work, bare);
        repo.commit("main", files, message);
        return repo;
    }

    /** The Dockerfile of each sample service. */
    public static String dockerfile() {
        return """
                FROM stagecraft/base:busybox
                COPY index.html /www/index.html
                CMD ["sh", "-c", "exec httpd -f -p ${PORT:-8080} -h /www"]
                """;
    }

    /** The bare repository's {@code file:} URL, for a test whose gateway reads it on this machine. */
    public String fileUrl() {
        return bare.toUri().toString();
    }

    /** The SHA-1 git gives {@code revision}: a branch's head ({@code main}), or a folder's tree ({@code sha:api}). */
    public String resolve(String revision) throws IOException {
        return work.getRepository().resolve(revision).getName();
    }

    /** Creates {@code branch} at the head of main. */
    public void branch(String branch) throws GitAPIException {
        work.checkout().setName("main").call();
        work.branchCreate().setName(branch).call();
        push(branch);
    }

    /** Writes {@code files} on {@code branch}, commits, pushes, and returns the new commit's SHA-1. */
    public String commit(String branch, Map<String, String> files, String message) throws IOException, GitAPIException {
        if (work.getRepository().resolve("HEAD") != null) {
            work.checkout().setName(branch).call();
        }
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = work.getRepository().getWorkTree().toPath().resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.deleteIfExists(path);
            if (file.getValue().startsWith("-> ")) {
                Files.createSymbolicLink(path, Path.of(file.getValue().substring(3)));
            } else {
                Files.writeString(path, file.getValue());
            }
            work.add().addFilepattern(file.getKey()).call();
        }
        String sha = work.commit().setMessage(message).setAuthor("Sample Dev", "dev@example.test")
                .setCommitter("Sample Dev", "dev@example.test").setSign(false).call().getName();
        push(branch);
        return sha;
    }

    private void push(String branch) throws GitAPIException {
        work.push().setRemote("origin").setRefSpecs(new RefSpec("refs/heads/" + branch + ":refs/heads/" + branch))
                .setForce(true).call();
    }

    @Override
    public void close() {
        work.close();
    }
}

package dev.stagecraft.runtime.docker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;

/**
 * Makes the local base image {@value #BUSYBOX} from the host's static busybox binary, for machines where no image
 * can be pulled. It has {@code sh}, {@code httpd} (with CGI), {@code wget}, {@code nc} and a few more applets.
 *
 * <p>The image is built {@code FROM scratch} from a context holding the root file system as a tar, which the
 * builder unpacks with {@code ADD}. docker-java's {@code createImageCmd} (the API's import) cannot be used: it sends
 * the given stream as a JSON body, so the engine receives two bytes and answers "unexpected EOF".
 */
public final class BaseImages {

    public static final String BUSYBOX = "stagecraft/base:busybox";
    private static final List<Path> BUSYBOX_BINARIES = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));
    private static final List<String> APPLETS = List.of("sh", "httpd", "cat", "echo", "ls", "sleep", "wget", "env",
            "sed", "true", "false", "id", "nc", "printf", "head", "yes", "test", "[", "mkdir", "chmod", "grep", "tr");
    private static final String DOCKERFILE = "FROM scratch\nADD rootfs.tar /\nCMD [\"sh\"]\n";

    private BaseImages() {
    }

    /** Creates {@value #BUSYBOX} on the engine {@code DOCKER_HOST} names unless it has it. */
    public static void main(String[] args) throws IOException {
        try (DockerClient docker = DockerClients.fromEnvironment()) {
            ensureBusybox(docker);
        }
        System.out.println(BUSYBOX);
    }

    /** Creates {@value #BUSYBOX} unless the engine has it. */
    public static void ensureBusybox(DockerClient docker) {
        try {
            docker.inspectImageCmd(BUSYBOX).exec();
            return;
        } catch (NotFoundException missing) {
            // made below
        }
        Path busybox = BUSYBOX_BINARIES.stream().filter(Files::isExecutable).findFirst().orElseThrow(
                () -> new IllegalStateException("no static busybox at " + BUSYBOX_BINARIES
                        + " to make " + BUSYBOX + " from; install it with: apt-get install busybox-static"));
        List<String> output = new ArrayList<>();
        try {
            byte[] context = buildContext(Files.readAllBytes(busybox));
            ImageBuilds.start(docker.buildImageCmd(new ByteArrayInputStream(context))
                    .withTags(Set.of(BUSYBOX))
                    .withLabels(Map.of("stagecraft.dev/base-image", "busybox"))
                    .withNetworkMode("none"), line -> output.add(line.strip())).awaitImageId(5, TimeUnit.MINUTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not build " + BUSYBOX + ": " + e.getMessage() + "; builder output: "
                    + output, e);
        }
    }

    /** The build context: a Dockerfile and {@code rootfs.tar}. */
    static byte[] buildContext(byte[] busybox) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            file(tar, "Dockerfile", DOCKERFILE.getBytes(StandardCharsets.UTF_8), 0644);
            file(tar, "rootfs.tar", rootFs(busybox), 0644);
        }
        return out.toByteArray();
    }

    /** A tar of /bin/busybox, its applet links, /www and a world-writable /tmp. */
    static byte[] rootFs(byte[] busybox) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            directory(tar, "bin/", 0755);
            directory(tar, "www/", 0755);
            directory(tar, "tmp/", 01777);
            file(tar, "bin/busybox", busybox, 0755);
            for (String applet : APPLETS) {
                TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarConstants.LF_SYMLINK);
                link.setLinkName("busybox");
                link.setMode(0120777);
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private static void directory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(040000 | mode);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] content, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        entry.setMode(0100000 | mode);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}

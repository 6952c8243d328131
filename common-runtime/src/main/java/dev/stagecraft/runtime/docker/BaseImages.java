package dev.stagecraft.runtime.docker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;

/**
 * Makes the local base image {@value #BUSYBOX} from the host's static busybox binary ({@code docker import} of a
 * one-binary root file system), for machines where no image can be pulled. It has {@code sh} and {@code httpd}.
 */
public final class BaseImages {

    public static final String BUSYBOX = "stagecraft/base:busybox";
    private static final List<Path> BUSYBOX_BINARIES = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));
    private static final List<String> APPLETS = List.of("sh", "httpd", "cat", "echo", "ls", "sleep", "wget", "env", "sed");

    private BaseImages() {
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
        try {
            byte[] tar = rootFs(Files.readAllBytes(busybox));
            docker.createImageCmd("stagecraft/base", new ByteArrayInputStream(tar)).withTag("busybox").exec();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tar of /bin/busybox, its applet links, /www and /tmp. */
    static byte[] rootFs(byte[] busybox) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Tar tar = new Tar(out);
        tar.directory("bin/");
        tar.directory("www/");
        tar.directory("tmp/");
        tar.file("bin/busybox", busybox, 0755);
        for (String applet : APPLETS) {
            tar.symlink("bin/" + applet, "busybox");
        }
        tar.finish();
        return out.toByteArray();
    }

    /** Just enough of the ustar format for a root file system. */
    private static final class Tar {
        private final ByteArrayOutputStream out;

        Tar(ByteArrayOutputStream out) {
            this.out = out;
        }

        void directory(String name) throws IOException {
            header(name, 0, 0755, '5', "");
        }

        void symlink(String name, String target) throws IOException {
            header(name, 0, 0777, '2', target);
        }

        void file(String name, byte[] content, int mode) throws IOException {
            header(name, content.length, mode, '0', "");
            out.write(content);
            int pad = (512 - content.length % 512) % 512;
            out.write(new byte[pad]);
        }

        void finish() throws IOException {
            out.write(new byte[1024]);
        }

        private void header(String name, long size, int mode, char type, String link) throws IOException {
            byte[] h = new byte[512];
            put(h, 0, 100, name);
            put(h, 100, 8, String.format("%07o", mode));
            put(h, 108, 8, "0000000");
            put(h, 116, 8, "0000000");
            put(h, 124, 12, String.format("%011o", size));
            put(h, 136, 12, String.format("%011o", System.currentTimeMillis() / 1000));
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            h[156] = (byte) type;
            put(h, 157, 100, link);
            put(h, 257, 6, "ustar");
            put(h, 263, 2, "00");
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, 8, String.format("%06o", sum) + "\0 ");
            out.write(h);
        }

        private static void put(byte[] h, int offset, int length, String value) {
            byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(bytes, 0, h, offset, Math.min(bytes.length, length));
        }
    }
}

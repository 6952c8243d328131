package dev.stagecraft.runtime.docker;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

import dev.stagecraft.events.cloudevents.SpecHash;

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
    /** PostgreSQL 15 from the host's binaries, for datasets ({@link DockerDatasets}) and their database services. */
    public static final String POSTGRES = "stagecraft/base:postgres";
    /** The uid and gid PostgreSQL runs as in {@value #POSTGRES} (it refuses to run as root). */
    public static final int POSTGRES_UID = 999;
    /** Where {@value #POSTGRES} keeps its data, as the official image: a volume is mounted here. */
    public static final String POSTGRES_DATA = dev.stagecraft.runtime.datasets.Dataset.Engine.POSTGRESQL.dataDirectory();
    /** MariaDB from the host's binaries, for MySQL datasets and their database services. */
    public static final String MYSQL = "stagecraft/base:mysql";
    /** The uid and gid MariaDB runs as in {@value #MYSQL}, as in the official images. */
    public static final int MYSQL_UID = 999;
    /** Where {@value #MYSQL} keeps its data, as the official mysql/mariadb images: a volume is mounted here. */
    public static final String MYSQL_DATA = dev.stagecraft.runtime.datasets.Dataset.Engine.MYSQL.dataDirectory();
    private static final List<Path> MYSQL_PROGRAMS = List.of(Path.of("/usr/sbin/mariadbd"),
            Path.of("/usr/bin/mariadb"));
    /** A hash of a database image's Dockerfile and entry point. */
    private static final String VERSION = "stagecraft.dev/base-image-version";
    private static final Path MYSQL_SHARE = Path.of("/usr/share/mysql");
    private static final Path POSTGRES_HOME = Path.of("/usr/lib/postgresql/15");
    private static final Path POSTGRES_SHARE = Path.of("/usr/share/postgresql/15");
    private static final List<String> POSTGRES_PROGRAMS = List.of("postgres", "initdb", "pg_ctl", "psql",
            "pg_restore", "pg_dump", "pg_isready");
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
        return buildContext(DOCKERFILE, rootFs(busybox));
    }

    private static byte[] buildContext(String dockerfile, byte[] rootFs) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            file(tar, "Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8), 0644);
            file(tar, "rootfs.tar", rootFs, 0644);
        }
        return out.toByteArray();
    }

    /**
     * Creates {@value #POSTGRES} unless the engine has it: the host's PostgreSQL 15 programs (Debian's
     * {@code postgresql-15}, which the scripts install) at the same paths, the shared libraries {@code ldd} names for
     * them and for the server's modules, busybox for {@code sh}, a {@code postgres} user ({@value #POSTGRES_UID}) and
     * {@code stagecraft-postgres}, the entry point ({@code serve}, {@code restore <dump>}, {@code copy}).
     */
    public static void ensurePostgres(DockerClient docker) {
        if (!Files.isExecutable(POSTGRES_HOME.resolve("bin/postgres")) && !has(docker, POSTGRES)) {
            throw new IllegalStateException("no PostgreSQL 15 at " + POSTGRES_HOME + " to make " + POSTGRES
                    + " from; install it with: apt-get install postgresql-15");
        }
        ensureDatabase(docker, POSTGRES, "postgres", "FROM " + BUSYBOX + "\nADD rootfs.tar /\n"
                + "ENV PATH=/usr/lib/postgresql/15/bin:/bin"
                + " LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu"
                + " TZ=UTC PGDATA=" + POSTGRES_DATA + "/pgdata\n"
                + "USER " + POSTGRES_UID + ":" + POSTGRES_UID + "\nEXPOSE 5432\n"
                + "ENTRYPOINT [\"/bin/stagecraft-postgres\"]\nCMD [\"serve\"]\n", BaseImages::postgresRootFs);
    }

    /**
     * Creates {@value #MYSQL} unless the engine has it: the host's MariaDB server and client (Debian's
     * {@code mariadb-server-core} and {@code mariadb-client-core}, which the scripts install; MariaDB speaks MySQL's
     * protocol and loads mysqldump's files) at the same paths, the shared libraries {@code ldd} names for them, its
     * share directory, busybox for {@code sh}, a {@code mysql} user ({@value #MYSQL_UID}) and
     * {@code stagecraft-mysql}, the entry point ({@code serve}, {@code restore <dump>}, {@code copy}, {@code ready}).
     */
    public static void ensureMysql(DockerClient docker) {
        if (MYSQL_PROGRAMS.stream().anyMatch(p -> !Files.isExecutable(p)) && !has(docker, MYSQL)) {
            throw new IllegalStateException("no MariaDB at " + MYSQL_PROGRAMS + " to make " + MYSQL
                    + " from; install it with: apt-get install --no-install-recommends mariadb-server-core"
                    + " mariadb-client-core");
        }
        ensureDatabase(docker, MYSQL, "mysql", "FROM " + BUSYBOX + "\nADD rootfs.tar /\n"
                + "ENV PATH=/usr/sbin:/usr/bin:/bin"
                + " LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu TZ=UTC\n"
                + "USER " + MYSQL_UID + ":" + MYSQL_UID + "\nEXPOSE 3306\n"
                + "ENTRYPOINT [\"/bin/stagecraft-mysql\"]\nCMD [\"serve\"]\n", BaseImages::mysqlRootFs);
    }

    /** Writes the entries of an image's layer; read from the host only when the image is missing. */
    interface Layer {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static boolean has(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException missing) {
            return false;
        }
    }

    /**
     * Builds {@code image} from {@value #BUSYBOX} and the layer {@code rootFs} unless the engine has it as this
     * version of Stagecraft makes it (its Dockerfile and entry point the same): an engine that kept an older one gets
     * the new entry point's commands.
     */
    private static void ensureDatabase(DockerClient docker, String image, String kind, String dockerfile,
            Layer rootFs) {
        String version;
        try {
            version = SpecHash.sha256(dockerfile + "\n"
                    + new String(resource("stagecraft-" + kind + ".sh"), StandardCharsets.UTF_8)).substring(0, 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            var labels = docker.inspectImageCmd(image).exec().getConfig().getLabels();
            if (labels != null && version.equals(labels.get(VERSION))) {
                return;
            }
        } catch (NotFoundException missing) {
            // made below
        }
        ensureBusybox(docker);
        List<String> output = new ArrayList<>();
        try {
            Path context = contextFile(dockerfile, rootFs);
            try (InputStream in = Files.newInputStream(context)) {
                ImageBuilds.start(docker.buildImageCmd(in)
                        .withTags(Set.of(image))
                        .withLabels(Map.of("stagecraft.dev/base-image", kind, VERSION, version))
                        .withNetworkMode("none").withPull(false), line -> output.add(line.strip()))
                        .awaitImageId(10, TimeUnit.MINUTES);
            } finally {
                Files.deleteIfExists(context);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not build " + image + ": " + e.getMessage() + "; builder output: "
                    + output, e);
        }
    }

    /**
     * The build context of {@code dockerfile} and the layer {@code rootFs.tar}, in a temporary file the caller deletes.
     * A database's layer is tens to hundreds of MB of the host's files: it goes through files, never the heap (a stage
     * service runs in a few hundred MB).
     */
    static Path contextFile(String dockerfile, Layer layer) throws IOException {
        Path rootFs = Files.createTempFile("stagecraft-rootfs-", ".tar");
        Path context = Files.createTempFile("stagecraft-context-", ".tar");
        try {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(rootFs))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                layer.write(tar);
            }
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(context))) {
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                file(tar, "Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8), 0644);
                hostFile(tar, rootFs, "rootfs.tar", 0644);
            }
            return context;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(context);
            throw e;
        } finally {
            Files.deleteIfExists(rootFs);
        }
    }

    /** The MariaDB layer: server, client, share, libraries, users, the data directory and the entry point. */
    static void mysqlRootFs(TarArchiveOutputStream tar) throws IOException {
        Set<String> directories = new java.util.HashSet<>();
        for (Path program : MYSQL_PROGRAMS) {
            hostFile(tar, directories, program, program);
        }
        // the names of the official images' scripts and of MySQL's own programs
        link(tar, "usr/sbin/mysqld", "mariadbd");
        link(tar, "usr/bin/mysql", "mariadb");
        hostFiles(tar, directories, MYSQL_SHARE, MYSQL_PROGRAMS);
        account(tar, directories, "mysql", MYSQL_UID, "MariaDB", "/var/lib/mysql");
        file(tar, "bin/stagecraft-mysql", resource("stagecraft-mysql.sh"), 0755);
        for (String applet : List.of("cp", "rm", "mv", "gunzip", "zcat", "sync")) {
            link(tar, "bin/" + applet, "busybox");
        }
        parents(tar, directories, "var/lib/x");
        parents(tar, directories, "run/x");
        ownedDirectory(tar, "var/lib/mysql/", 0750);
        ownedDirectory(tar, "run/mysqld/", 0775);
    }

    /**
     * What a database layer takes from the host besides its programs: the files under {@code share}, the UTC zone
     * files, and every library {@code ldd} lists for {@code binaries}.
     */
    private static void hostFiles(TarArchiveOutputStream tar, Set<String> directories, Path share, List<Path> binaries)
            throws IOException {
        try (var files = Files.walk(share)) {
            for (Path path : files.filter(Files::isRegularFile).sorted().toList()) {
                hostFile(tar, directories, path, path);
            }
        }
        for (String zone : List.of("UTC", "Etc/UTC")) {
            Path path = Path.of("/usr/share/zoneinfo").resolve(zone);
            if (Files.isRegularFile(path)) {
                hostFile(tar, directories, path, path);
            }
        }
        for (Path library : sharedLibraries(binaries)) {
            hostFile(tar, directories, library, library);
        }
    }

    /** {@code /etc/passwd} and {@code /etc/group} with root and the database's {@code user}, and {@code /bin}. */
    private static void account(TarArchiveOutputStream tar, Set<String> directories, String user, int uid,
            String description, String home) throws IOException {
        parents(tar, directories, "etc/x");
        file(tar, "etc/passwd", ("root:x:0:0:root:/root:/bin/sh\n" + user + ":x:" + uid + ":" + uid + ":" + description
                + ":" + home + ":/bin/sh\n").getBytes(StandardCharsets.UTF_8), 0644);
        file(tar, "etc/group", ("root:x:0:\n" + user + ":x:" + uid + ":\n").getBytes(StandardCharsets.UTF_8), 0644);
        parents(tar, directories, "bin/x");
    }

    private static void link(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry link = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        link.setLinkName(target);
        link.setMode(0120777);
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
    }

    /** The PostgreSQL layer: programs, modules, share, libraries, users, the data directory and the entry point. */
    static void postgresRootFs(TarArchiveOutputStream tar) throws IOException {
        Set<String> directories = new java.util.HashSet<>();
        List<Path> binaries = new ArrayList<>();
        for (String program : POSTGRES_PROGRAMS) {
            Path path = POSTGRES_HOME.resolve("bin").resolve(program);
            hostFile(tar, directories, path, path);
            binaries.add(path);
        }
        try (var modules = Files.list(POSTGRES_HOME.resolve("lib"))) {
            // not llvmjit.so: it needs libLLVM (110 MB, half the image); without it the server runs without JIT,
            // silently, as the documentation of jit_provider says
            for (Path module : modules.filter(p -> p.toString().endsWith(".so"))
                    .filter(p -> !p.getFileName().toString().startsWith("llvmjit")).sorted().toList()) {
                hostFile(tar, directories, module, module);
                binaries.add(module);
            }
        }
        hostFiles(tar, directories, POSTGRES_SHARE, binaries);
        account(tar, directories, "postgres", POSTGRES_UID, "PostgreSQL", "/var/lib/postgresql");
        file(tar, "bin/stagecraft-postgres", resource("stagecraft-postgres.sh"), 0755);
        for (String applet : List.of("cp", "rm", "mv", "du", "cut", "dirname", "basename", "sync")) {
            link(tar, "bin/" + applet, "busybox");
        }
        parents(tar, directories, "var/lib/postgresql/x");
        parents(tar, directories, "var/run/x");
        ownedDirectory(tar, "var/lib/postgresql/data/", 0700);
        ownedDirectory(tar, "var/run/postgresql/", 0775);
    }

    /** An image's entry point; a resource so that it reads as the shell script it is. */
    private static byte[] resource(String name) throws IOException {
        try (var in = BaseImages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the classpath");
            }
            return in.readAllBytes();
        }
    }

    /** Every shared library the dynamic linker loads for {@code binaries}, as {@code ldd} lists them. */
    private static Set<Path> sharedLibraries(List<Path> binaries) throws IOException {
        Set<Path> libraries = new java.util.TreeSet<>();
        List<String> command = new ArrayList<>(List.of("ldd"));
        binaries.forEach(b -> command.add(b.toString()));
        Process ldd = new ProcessBuilder(command).redirectErrorStream(true).start();
        String listing = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            ldd.waitFor(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running ldd");
        }
        for (String line : listing.split("\n")) {
            String[] words = line.trim().split("\\s+");
            for (String word : words) {
                if (word.startsWith("/") && !word.endsWith(":") && Files.isRegularFile(Path.of(word))) {
                    libraries.add(Path.of(word));
                }
            }
        }
        return libraries;
    }

    /** Adds the host's {@code source} (symbolic links followed) at {@code target}, with its parent directories. */
    private static void hostFile(TarArchiveOutputStream tar, Set<String> directories, Path source, Path target)
            throws IOException {
        String name = target.toString().substring(1);
        parents(tar, directories, name);
        hostFile(tar, source, name, Files.isExecutable(source) ? 0755 : 0644);
    }

    /** Adds the host's {@code source} as {@code name}, streamed from the file. */
    private static void hostFile(TarArchiveOutputStream tar, Path source, String name, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(Files.size(source));
        entry.setMode(0100000 | mode);
        tar.putArchiveEntry(entry);
        Files.copy(source, tar);
        tar.closeArchiveEntry();
    }

    private static void parents(TarArchiveOutputStream tar, Set<String> directories, String name) throws IOException {
        int slash = name.indexOf('/');
        while (slash > 0) {
            String dir = name.substring(0, slash + 1);
            // lib and lib64 are links into usr on the host; the image's are plain directories, which works as well
            if (directories.add(dir)) {
                directory(tar, dir, 0755);
            }
            slash = name.indexOf('/', slash + 1);
        }
    }

    /** A directory owned by the database's user ({@value #POSTGRES_UID} and {@value #MYSQL_UID} are the same). */
    private static void ownedDirectory(TarArchiveOutputStream tar, String name, int mode) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(040000 | mode);
        entry.setUserId(POSTGRES_UID);
        entry.setGroupId(POSTGRES_UID);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
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

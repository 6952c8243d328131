package dev.stagecraft.build.git;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Run as its own process: holds a mirror's lock for a while, as another build-service instance fetching would. */
public final class MirrorLockHolder {

    private MirrorLockHolder() {
    }

    /** Arguments: the lock file, a file to create just before releasing the lock, how long to hold it in ms. */
    public static void main(String[] args) throws Exception {
        Path lockFile = Path.of(args[0]);
        Files.createDirectories(lockFile.getParent());
        try (FileChannel file = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = file.lock()) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(Long.parseLong(args[2]));
            Files.createFile(Path.of(args[1]));
        }
    }
}

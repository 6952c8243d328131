package dev.stagecraft.runtime.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;

/** The base image is made on an engine that lacks it, and what it promises ({@code sh}, {@code httpd}) works. */
class BaseImagesTest {

    @Test
    void rootFileSystemHoldsBusyboxItsAppletLinksAndAWorldWritableTmp() throws IOException {
        byte[] busybox = "not really busybox".getBytes();
        Map<String, TarArchiveEntry> entries = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(BaseImages.rootFs(busybox)))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                entries.put(e.getName(), e);
            }
        }
        assertEquals(busybox.length, entries.get("bin/busybox").getSize());
        assertEquals(0755, entries.get("bin/busybox").getMode() & 07777);
        assertTrue(entries.get("bin/sh").isSymbolicLink());
        assertEquals("busybox", entries.get("bin/httpd").getLinkName());
        assertEquals(01777, entries.get("tmp/").getMode() & 07777);
    }

    @Test
    void imageIsBuiltOnAnEngineWithoutItAndServesHttp() throws Exception {
        try (DockerClient docker = DockerClients.fromEnvironment()) {
            try {
                // force: images of other tests may be built on it; they keep their layers
                docker.removeImageCmd(BaseImages.BUSYBOX).withForce(true).exec();
            } catch (NotFoundException alreadyAbsent) {
                // a fresh engine
            }
            assertThrows(NotFoundException.class, () -> docker.inspectImageCmd(BaseImages.BUSYBOX).exec());

            BaseImages.ensureBusybox(docker);
            docker.inspectImageCmd(BaseImages.BUSYBOX).exec();

            String out = run(docker, "echo base > /www/index.html && httpd -p 127.0.0.1:8080 -h /www"
                    + " && wget -q -O - http://127.0.0.1:8080/ && echo shell works");
            assertEquals("base\nshell works\n", out);

            BaseImages.ensureBusybox(docker); // present: nothing to do, no error
        }
    }

    /** Runs {@code script} with {@code sh -c} in a container without network and returns its output. */
    private static String run(DockerClient docker, String script) throws InterruptedException {
        String id = docker.createContainerCmd(BaseImages.BUSYBOX).withCmd("sh", "-c", script)
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
        try {
            docker.startContainerCmd(id).exec();
            int exit = docker.waitContainerCmd(id).start().awaitStatusCode(60, TimeUnit.SECONDS);
            StringBuilder out = new StringBuilder();
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).exec(new ResultCallback.Adapter<Frame>() {
                @Override
                public void onNext(Frame frame) {
                    out.append(new String(frame.getPayload()));
                }
            }).awaitCompletion(30, TimeUnit.SECONDS);
            assertEquals(0, exit, "container exited with " + exit + ": " + out);
            return out.toString();
        } finally {
            docker.removeContainerCmd(id).withForce(true).exec();
        }
    }
}

package dev.stagecraft.runtime.docker;

import java.util.Collection;

import com.github.dockerjava.api.DockerClient;

/** The Docker engine a test runs against ({@code DOCKER_HOST}), and what a test leaves on it to clean up. */
public final class TestEngine {

    private TestEngine() {
    }

    /** A client of the engine, which has {@value BaseImages#BUSYBOX} once this returns. */
    public static DockerClient withBusybox() {
        DockerClient docker = DockerClients.fromEnvironment();
        BaseImages.ensureBusybox(docker);
        return docker;
    }

    /** Removes {@code images} from the engine; one already gone (a teardown under test removed it) is no matter. */
    public static void removeImages(DockerClient docker, Collection<String> images) {
        for (String image : images) {
            try {
                docker.removeImageCmd(image).withForce(true).exec();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }
}

package dev.stagecraft.runtime.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Hands out host ports for services; the default asks the kernel for a free loopback port. */
@FunctionalInterface
public interface PortAllocator {

    int next();

    PortAllocator FREE_PORT = () -> {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    };
}

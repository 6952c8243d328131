package dev.stagecraft.e2e;

import java.net.InetSocketAddress;
import java.nio.file.Path;

import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.transport.resolver.FileResolver;

/** Serves the bare repositories under a directory over git's smart HTTP protocol (JGit GitServlet on Jetty). */
public final class GitServer implements AutoCloseable {

    private final Server server;

    private GitServer(Server server) {
        this.server = server;
    }

    /** Serves {@code base}/NAME.git at http://127.0.0.1:PORT/git/NAME.git. */
    public static GitServer start(Path base) throws Exception {
        Server server = new Server(new InetSocketAddress("127.0.0.1", 0));
        ServletContextHandler context = new ServletContextHandler("/");
        GitServlet git = new GitServlet();
        git.setRepositoryResolver(new FileResolver<>(base.toFile(), true));
        context.addServlet(new ServletHolder(git), "/git/*");
        server.setHandler(context);
        server.start();
        return new GitServer(server);
    }

    public String url(String repository) {
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        return "http://127.0.0.1:" + port + "/git/" + repository + ".git";
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}

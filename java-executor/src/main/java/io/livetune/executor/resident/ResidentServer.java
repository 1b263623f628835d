package io.livetune.executor.resident;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.Objects;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A resident executor: serves Ansible tasks over a UNIX socket in a private directory, one at a
 * time, each as a fresh {@code ansible MODULE} run with in-memory streams (see {@link Protocol}).
 *
 * <p>Isolation: each request runs on a thread of its own (a network namespace entered with setns,
 * an interrupt, thread-locals die with it) and builds its module afresh; no class of the ansible
 * path keeps what it learnt about the machine in a static field (processes, sockets, sysctls,
 * kernel facts live in the objects of one run). What static state there is does not describe the
 * machine: the compiled schema factory, the option registry, the JNA binding, Jackson's factories.
 *
 * <p>It exits, removing its socket, after {@code idle} without a request, after
 * {@code maxRequests}, when its jar or its socket is gone or replaced, when its directory is no
 * longer private, or after a request that threw an {@link Error} (answered first).
 */
public final class ResidentServer {
    /** How often the loop looks at its jar, socket and directory between requests. */
    private static final long CHECK_MILLIS = 1000;

    private final Path dir;
    private final Path jar;
    private final Limits limits;
    private final RequestRunner runner;
    private final int errorStatus;
    private final PrintStream log;
    private final UserPrincipal self;
    private final UserPrincipal root;

    /**
     * @param errorStatus the exit status a request that threw an {@link Error} is answered with
     *                    (the caller's INTERNAL_ERROR: a bug)
     */
    public ResidentServer(Path dir, Path jar, Limits limits, RequestRunner runner, int errorStatus, PrintStream log)
            throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.jar = jar;
        this.limits = limits;
        this.runner = runner;
        this.errorStatus = errorStatus;
        this.log = log;
        this.self = PrivateDirectory.self();
        this.root = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("0");
    }

    /** Why it stopped, for its log; thrown IOException: it could not start (the directory, the socket). */
    public String serve() throws IOException {
        return serve(() -> { });
    }

    /**
     * As {@link #serve()}, running {@code warmUp} once its socket is bound and before it accepts:
     * a client that comes meanwhile waits in the backlog (its client waits up to 5 s for
     * "accepted", then runs the task cold). A warm-up that throws is logged; it serves anyway.
     */
    public String serve(Runnable warmUp) throws IOException {
        String problem = PrivateDirectory.problem(dir, self);
        if (problem != null) {
            throw new IOException("refusing to serve: " + problem);
        }
        try (FileChannel lockFile = FileChannel.open(dir.resolve(Protocol.LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                return "another resident serves " + dir;
            }
            Path socket = dir.resolve(Protocol.SOCKET);
            Files.deleteIfExists(socket); // a resident that was killed left it; we hold the lock now
            ClientScript.install(dir); // first: a socket is never there without its client
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(shortPath(socket)), 16);
                FileIdentity socketIdentity = FileIdentity.of(socket);
                if (socketIdentity == null) {
                    // removed between bind and this look (its directory's owner did): with no
                    // identity to compare, the loop below would never see it go, and no client
                    // could reach us anyway
                    return "its socket " + socket + " was gone as soon as it was bound";
                }
                // SIGTERM ends the JVM without this method's finally: the hook removes the socket then
                Thread removal = new Thread(() -> removeIfOurs(socket, socketIdentity), "livetune-resident-exit");
                Runtime.getRuntime().addShutdownHook(removal);
                try {
                    warmUp(warmUp);
                    return acceptLoop(server, socket, socketIdentity);
                } finally {
                    removeIfOurs(socket, socketIdentity);
                    Runtime.getRuntime().removeShutdownHook(removal);
                }
            }
        }
    }

    private void warmUp(Runnable warmUp) {
        try {
            warmUp.run();
        } catch (RuntimeException e) {
            log.println("livetune resident: the warm-up failed (it serves anyway): " + e);
        }
    }

    /** Removes the socket unless it is no longer the one we bound (then it is someone else's). */
    private static void removeIfOurs(Path socket, FileIdentity identity) {
        if (Objects.equals(FileIdentity.of(socket), identity)) {
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // a stale socket: the next resident or client finds nobody listening there
            }
        }
    }

    /** The socket's path relative to the working directory when that is shorter: sun_path holds 108 bytes. */
    private static Path shortPath(Path socket) {
        Path relative = Path.of("").toAbsolutePath().relativize(socket);
        return relative.toString().length() < socket.toString().length() ? relative : socket;
    }

    private String acceptLoop(ServerSocketChannel server, Path socket, FileIdentity socketIdentity)
            throws IOException {
        FileIdentity jarIdentity = FileIdentity.of(jar);
        server.configureBlocking(false);
        int served = 0;
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            long idleUntil = System.nanoTime() + limits.idle().toNanos();
            while (true) {
                String stop = reasonToStop(socket, socketIdentity, jarIdentity);
                if (stop != null) {
                    return stop;
                }
                long left = idleUntil - System.nanoTime();
                if (left <= 0) {
                    return "idle for " + limits.idle().toSeconds() + " s";
                }
                selector.select(Math.max(1, Math.min(CHECK_MILLIS, left / 1_000_000)));
                selector.selectedKeys().clear();
                SocketChannel client = server.accept();
                if (client == null) {
                    continue;
                }
                Outcome outcome;
                try (Exchange exchange = new Exchange(client)) {
                    outcome = serveOne(client, exchange);
                } catch (IOException e) {
                    log.println("livetune resident: a client broke off: " + e.getMessage());
                    continue;
                }
                if (outcome == Outcome.NOT_RUN) {
                    continue;
                }
                served++;
                idleUntil = System.nanoTime() + limits.idle().toNanos();
                if (outcome == Outcome.ERROR) {
                    return "a request threw an Error";
                }
                if (served >= limits.maxRequests()) {
                    return "served " + served + " requests";
                }
            }
        }
    }

    private String reasonToStop(Path socket, FileIdentity socketIdentity, FileIdentity jarIdentity) {
        if (!Objects.equals(FileIdentity.of(socket), socketIdentity)) {
            return "its socket " + socket + " is gone or replaced";
        }
        if (jarIdentity == null || !jarIdentity.equals(FileIdentity.of(jar))) {
            return "its jar " + jar + " is gone or replaced";
        }
        String problem = PrivateDirectory.problem(dir, self);
        return problem == null ? null : "its directory is no longer private: " + problem;
    }

    private enum Outcome { NOT_RUN, RAN, ERROR }

    private Outcome serveOne(SocketChannel client, Exchange exchange) throws IOException {
        long deadline = System.nanoTime() + limits.exchange().toNanos();
        UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
        if (!peer.user().equals(self) && !peer.user().equals(root)) {
            refuse(exchange, "peer-user", deadline);
            log.println("livetune resident: refused a client running as " + peer.user().getName());
            return Outcome.NOT_RUN;
        }
        String[] header = Objects.requireNonNullElse(exchange.readLine(Protocol.MAX_LINE, deadline), "").split(" ");
        if (header.length != 4 || !header[0].equals(Protocol.HELLO) || !header[1].equals(Protocol.VERSION)
                || !Protocol.isModuleName(header[2]) || !header[3].matches("[0-9]{1,9}")) {
            refuse(exchange, "bad-request", deadline);
            return Outcome.NOT_RUN;
        }
        int length = Integer.parseInt(header[3]);
        if (length > limits.maxRequestBytes()) {
            refuse(exchange, "too-large", deadline);
            return Outcome.NOT_RUN;
        }
        byte[] request = exchange.readExactly(length, deadline);
        if (request == null) {
            return Outcome.NOT_RUN;
        }
        exchange.write((Protocol.ACCEPTED + "\n").getBytes(StandardCharsets.US_ASCII), deadline);
        if (!Protocol.GO.equals(exchange.readLine(Protocol.MAX_LINE, deadline))) {
            return Outcome.NOT_RUN; // the client gave up (and runs the task cold): never run it here too
        }
        Answer answer = run(header[2], request);
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        reply.writeBytes((Protocol.DONE + " " + answer.status + " " + answer.out.length + " " + answer.err.length
                + "\n").getBytes(StandardCharsets.US_ASCII));
        reply.writeBytes(answer.out);
        reply.writeBytes(answer.err);
        exchange.write(reply.toByteArray(), System.nanoTime() + limits.exchange().toNanos());
        return answer.error ? Outcome.ERROR : Outcome.RAN;
    }

    private static void refuse(Exchange exchange, String reason, long deadline) throws IOException {
        exchange.write((Protocol.REFUSED + " " + reason + "\n").getBytes(StandardCharsets.US_ASCII), deadline);
    }

    private record Answer(int status, byte[] out, byte[] err, boolean error) {
    }

    /** One request on a thread of its own, as a fresh `ansible MODULE` run would see it. */
    private Answer run(String module, byte[] request) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
        int[] status = {errorStatus};
        Throwable[] thrown = {null};
        Thread thread = new Thread(() -> {
            try {
                status[0] = runner.run(new String[] {"ansible", module}, new ByteArrayInputStream(request), stdout,
                        stderr);
            } catch (Throwable e) { // Main.run answers exceptions itself; this is an Error (or a bug)
                thrown[0] = e;
            }
        }, "livetune-request");
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (thrown[0] != null) {
            StringWriter trace = new StringWriter();
            thrown[0].printStackTrace(new PrintWriter(trace));
            stderr.print(trace);
            return new Answer(errorStatus, out.toByteArray(), err.toByteArray(), true);
        }
        return new Answer(status[0], out.toByteArray(), err.toByteArray(), false);
    }
}

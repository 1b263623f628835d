package io.livetune.executor.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A fake systemd unit: the cgroup v1 directory systemd would create for it under the
 * name=systemd hierarchy (/sys/fs/cgroup/systemd/system.slice/NAME), with processes moved in.
 * Closing moves them back to the root cgroup and removes the directories it created.
 */
final class SystemdUnitCgroup implements AutoCloseable {
    private static final Path HIERARCHY = Path.of("/sys/fs/cgroup/systemd");

    private final Path slice = HIERARCHY.resolve("system.slice");
    private final Path unitDirectory;
    private final boolean createdSlice;
    private final String unitName;

    private SystemdUnitCgroup(String unitName) throws IOException {
        this.unitName = unitName;
        this.createdSlice = !Files.isDirectory(slice);
        if (createdSlice) {
            Files.createDirectory(slice);
        }
        this.unitDirectory = Files.createDirectory(slice.resolve(unitName));
    }

    /** Skips the test (assumption) where the cgroup v1 name=systemd hierarchy is missing or not writable. */
    static SystemdUnitCgroup create(String unitName) {
        assumeTrue(Kernel.isRoot(), "creating a cgroup needs root");
        assumeTrue(Files.isRegularFile(HIERARCHY.resolve("cgroup.procs")),
                "no cgroup v1 name=systemd hierarchy at " + HIERARCHY);
        try {
            return new SystemdUnitCgroup(unitName);
        } catch (IOException e) {
            assumeTrue(false, "cannot create a cgroup under " + HIERARCHY + ": " + e);
            throw new AssertionError(e);
        }
    }

    String unitName() {
        return unitName;
    }

    void addProcess(long pid) {
        writeProcs(unitDirectory.resolve("cgroup.procs"), pid);
    }

    @Override
    public void close() throws IOException {
        for (String pid : Files.readAllLines(unitDirectory.resolve("cgroup.procs"))) {
            if (!pid.isBlank()) {
                try {
                    writeProcs(HIERARCHY.resolve("cgroup.procs"), Long.parseLong(pid.strip()));
                } catch (AssertionError exitedMeanwhile) {
                    // nothing to move
                }
            }
        }
        Files.delete(unitDirectory);
        if (createdSlice) {
            try {
                Files.delete(slice);
            } catch (IOException inUseByAnotherTest) {
                // left for whoever still uses it
            }
        }
    }

    private static void writeProcs(Path procs, long pid) {
        try {
            Files.write(procs, List.of(Long.toString(pid)));
        } catch (IOException e) {
            throw new AssertionError("cannot write " + pid + " to " + procs + ": " + e, e);
        }
    }
}

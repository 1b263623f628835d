package io.livetune.executor.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `preload`, the preload_wrapper module for people at a shell. */
@Timeout(60)
class PreloadCommandTest {

    @Test
    void helpShowsExamples() {
        Cli.Result help = Cli.run("preload", "--help");
        assertEquals(0, help.status(), help::toString);
        assertTrue(help.stdout().contains("Examples:") && help.stdout().contains("--wrapper"), help::toString);
        assertTrue(Cli.run("--help").stdout().contains("preload --unit"), "the main help names the command");
    }

    @Test
    void writesAWrapperShowsItsDiffAndRemovesIt(@TempDir Path dir) {
        String wrapper = dir.resolve("sleepy").toString();
        String[] write = {"preload", "--wrapper", wrapper, "--library-dir", dir.resolve("lib").toString(),
            "--backlog", "64", "-o", "so_keepalive=true", "--mlock", "current,future", "--trace", "--diff", "--", "sleep", "5"};
        Cli.Result first = Cli.run(write);
        if (!PreloadFixture.shimPresent()) {
            // without the shim, the command says so and writes nothing
            assertEquals(1, first.status(), first::toString);
            assertTrue(first.stderr().contains("error: this executor has no preload library for " + PreloadFixture.machine()),
                    first::toString);
            assertFalse(Files.exists(dir.resolve("sleepy")), first::toString);
            return;
        }
        assertEquals(0, first.status(), first::toString);
        assertTrue(first.stdout().contains("created    wrapper  " + wrapper), first::toString);
        assertTrue(first.stdout().contains("+LIVETUNE_OPTIONS='so_keepalive=1'"), first::toString);
        assertTrue(first.stdout().contains("+LIVETUNE_MLOCK='current,future'"), first::toString);
        assertTrue(first.stdout().contains("+LIVETUNE_TRACE='stderr'"), first::toString);
        assertTrue(first.stdout().contains("+exec '/usr/bin/sleep' '5' \"$@\""), first::toString);

        Cli.Result again = Cli.run(write);
        assertTrue(again.stdout().contains("are as asked"), again::toString);
        write[6] = "65";
        Cli.Result check = Cli.run(append(write, "--check"));
        assertTrue(check.stdout().contains("-LIVETUNE_BACKLOG='64'\n+LIVETUNE_BACKLOG='65'"), check::toString);
        assertTrue(check.stdout().contains("would write " + wrapper), check::toString);
        Cli.Result absent = Cli.run("preload", "--wrapper", wrapper, "--absent");
        assertEquals(0, absent.status(), absent::toString);
        assertTrue(absent.stdout().contains("removed    wrapper  " + wrapper), absent::toString);
        assertFalse(Files.exists(dir.resolve("sleepy")));
    }

    @Test
    void aWrapperWithoutItsProgramIsAClearError(@TempDir Path dir) {
        Cli.Result result = Cli.run("preload", "--wrapper", dir.resolve("x").toString(), "--backlog", "1");
        assertEquals(1, result.status(), result::toString);
        assertTrue(result.stderr().contains("error: command: is required with wrapper"), result::toString);
        assertFalse(result.stderr().contains("\tat "), result::toString);
    }

    @Test
    void refusedArgumentsAreUsageErrorsNamedAsTypedAndWriteNothing(@TempDir Path dir) {
        String wrapper = dir.resolve("w").toString();
        Cli.Result backlog = Cli.run("preload", "--wrapper", wrapper, "--backlog", "-5", "--", "sleep", "1");
        assertEquals(2, backlog.status(), backlog::toString);
        assertTrue(backlog.stderr().startsWith("--backlog: must be an integer >= 0"), backlog::toString);

        Cli.Result option = Cli.run("preload", "--wrapper", wrapper, "-o", "so_rcvbf=1", "--", "sleep", "1");
        assertEquals(2, option.status(), option::toString);
        assertTrue(option.stderr().startsWith("so_rcvbf: unknown option; did you mean so_rcvbuf?"), option::toString);
        assertFalse(Files.exists(dir.resolve("w")), "nothing written");
    }

    private static String[] append(String[] argv, String more) {
        String[] all = java.util.Arrays.copyOf(argv, argv.length + 1);
        System.arraycopy(all, argv.length - 3, all, argv.length - 2, 3);
        all[argv.length - 3] = more;
        return all;
    }
}

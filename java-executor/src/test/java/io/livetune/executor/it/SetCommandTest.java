package io.livetune.executor.it;

import static io.livetune.executor.it.TargetSpec.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** `set`, the socket_option module for people at a shell: same effect, a table, clear errors. */
class SetCommandTest extends LiveProcessTest {

    @Test
    void setsTheBacklogAndABufferOfAListenerAndShowsBeforeAndAfter() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096).udp("ipv4", 4096));
        TargetSocket listener = target.socket("listener");
        String pid = Long.toString(target.pid());
        String port = Integer.toString(listener.localPort());

        Cli.Result check = Cli.run("set", "-p", pid, "-t", "-l", "--port", port, "--check", "backlog=100");
        assertEquals(0, check.status(), check::toString);
        assertTrue(check.stdout().contains("backlog 20 -> 100"), "check mode says what would change" + check);
        assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "check mode changed nothing");

        Cli.Result set = Cli.run("set", "-p", pid, "-t", "-l", "--port", port, "backlog=100", "so_rcvbuf=65536");
        assertEquals(0, set.status(), set::toString);
        assertTrue(set.stdout().contains("backlog 20 -> 100"), set::toString);
        assertEquals(100, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "ss Send-Q" + set);
        assertEquals(Kernel.receiveBufferReadBack(65536), target.ownOption(listener, "so_rcvbuf"),
                "the target's own SO_RCVBUF" + set);

        Cli.Result again = Cli.run("set", "-p", pid, "-t", "-l", "--port", port, "backlog=100", "so_rcvbuf=65536");
        assertEquals(0, again.status(), again::toString);
        assertTrue(again.stdout().contains("already as requested"), "the second run is unchanged" + again);
    }

    @Test
    void aWrongOptionOrTypeIsAClearErrorAndNothingChanges() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        String pid = Long.toString(target.pid());

        // refused arguments are usage errors, as picocli's own: exit status 2, named as typed
        Cli.Result misspelt = Cli.run("set", "-p", pid, "so_rcvbf=65536");
        assertEquals(2, misspelt.status(), misspelt::toString);
        assertTrue(misspelt.stderr().contains("did you mean so_rcvbuf"), misspelt::toString);

        Cli.Result wrongType = Cli.run("set", "-p", pid, "so_rcvbuf=big");
        assertEquals(2, wrongType.status(), wrongType::toString);
        assertTrue(wrongType.stderr().startsWith("so_rcvbuf: must be an integer >= 0"), wrongType::toString);

        // found on the process, not in the arguments: a failure, exit status 1
        Cli.Result udpOnTcp = Cli.run("set", "-p", pid, "-u", "tcp_nodelay=true");
        assertEquals(1, udpOnTcp.status(), udpOnTcp::toString);
        // the hint names the flag this front has, not the Ansible argument
        assertTrue(udpOnTcp.stderr().startsWith("error: no protocol=udp socket found in pid " + pid + " "),
                udpOnTcp::toString);
        assertTrue(udpOnTcp.stderr().contains("(add --missing=ignore to accept that)"), udpOnTcp::toString);
        assertFalse(udpOnTcp.stderr().contains("missing: ignore"), udpOnTcp::toString);

        for (Cli.Result result : new Cli.Result[] {misspelt, wrongType, udpOnTcp}) {
            assertFalse(result.stderr().contains("\tat "), "no stack trace" + result);
        }
        assertEquals(20, Ss.tcp(target.pid()).byInode(listener.inode()).backlog(), "nothing changed");
        assertEquals(8192, target.ownOption(listener, "so_rcvbuf"), "nothing changed");
    }

    @Test
    void missingIgnoreAcceptsNoMatchingSocketAndChangesNothing() {
        TargetProcess target = start(target().tcpListener("ipv4", 20, 4096));
        TargetSocket listener = target.socket("listener");
        String pid = Long.toString(target.pid());

        Cli.Result ignored = Cli.run("set", "-p", pid, "-u", "--missing=ignore", "so_rcvbuf=65536");
        assertEquals(0, ignored.status(), ignored::toString);
        assertTrue(ignored.stdout().contains("no protocol=udp socket found in pid " + pid), ignored::toString);
        assertTrue(ignored.stdout().contains("nothing to do (--missing=ignore)"), ignored::toString);
        assertEquals(8192, target.ownOption(listener, "so_rcvbuf"), "nothing changed");

        Cli.Result wrong = Cli.run("set", "-p", pid, "--missing=maybe", "so_rcvbuf=65536");
        assertEquals(2, wrong.status(), wrong::toString);
        assertTrue(wrong.stderr().contains("--missing"), wrong::toString);
        assertTrue(wrong.stderr().contains("fail, ignore"), "picocli names the choices" + wrong);
    }
}

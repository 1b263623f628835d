package io.livetune.executor.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.socketoption.SocketOptionModule;
import org.junit.jupiter.api.Test;

/**
 * Bad input: a clear message that names the field and the rule. These requests fail before
 * any process is looked at, so they need no target.
 */
class SocketOptionValidationTest {

    private static ObjectNode run(String json) {
        return ModuleRunner.run(new SocketOptionModule(), json);
    }

    private static String failure(String json) {
        ObjectNode result = run(json);
        assertTrue(result.path("failed").asBoolean(), result.toString());
        assertFalse(result.path("changed").asBoolean());
        assertFalse(result.has("exception"), "no stack trace without -vvv");
        return result.path("msg").asText();
    }

    @Test
    void wrongTypeNamesTheFieldAndTheRule() {
        assertEquals("options.so_rcvbuf: must be an integer >= 0",
                failure("{\"pid\": 1, \"options\": {\"so_rcvbuf\": \"big\"}}"));
        assertEquals("options.so_rcvbuf: must be an integer >= 0",
                failure("{\"pid\": 1, \"options\": {\"so_rcvbuf\": -1}}"));
        assertEquals("options.ip_ttl: must be an integer from 1 to 255",
                failure("{\"pid\": 1, \"options\": {\"ip_ttl\": 300}}"));
        assertEquals("protocol: must be one of: tcp, udp; did you mean tcp?",
                failure("{\"pid\": 1, \"protocol\": \"sctp\", \"backlog\": 1}"));
    }

    @Test
    void unknownOptionSuggestsTheNearestNames() {
        String msg = failure("{\"pid\": 1, \"options\": {\"so_rcvbf\": 1}}");
        assertTrue(msg.startsWith("options.so_rcvbf: unknown option; did you mean so_rcvbuf"), msg);
        String shortForm = failure("{\"pid\": 1, \"option\": \"tcp_nodelya\", \"value\": true}");
        assertTrue(shortForm.contains("did you mean tcp_nodelay"), shortForm);
        assertTrue(failure("{\"pid\": 1, \"locl_port\": 1, \"backlog\": 1}").contains("did you mean local_port"));
    }

    @Test
    void exactlyOneProcessSelector() {
        assertTrue(failure("{\"backlog\": 1}").startsWith("exactly one of pid, pidfile, process, cmdline, unit"));
        assertTrue(failure("{\"pid\": 1, \"process\": \"x\", \"backlog\": 1}").endsWith("got pid and process"));
    }

    @Test
    void somethingToSet() {
        assertTrue(failure("{\"pid\": 1}").startsWith("nothing to set"));
        assertEquals("value: is required with option", failure("{\"pid\": 1, \"option\": \"so_rcvbuf\"}"));
    }

    @Test
    void badRegexAndAddressAreNamed() {
        assertTrue(failure("{\"process\": \"(\", \"backlog\": 1}").startsWith("process: not a valid regular expression"));
        assertTrue(failure("{\"pid\": 1, \"local_address\": \"localhost\", \"backlog\": 1}")
                .startsWith("local_address: must be an IP address"));
    }

    @Test
    void adHocStringsAreConvertedByTheSchemaTypes() {
        // pid 999999999 cannot exist (pid_max is at most 2^22), so the request gets as far as the process lookup.
        String msg = failure("{\"pid\": \"999999999\", \"local_port\": \"80\", \"force\": \"yes\", "
                + "\"option\": \"so_rcvbuf\", \"value\": \"4096\"}");
        assertTrue(msg.startsWith("no such process: 999999999"), msg);
    }

    @Test
    void adHocDictionariesMayBeKeyValuePairs() {
        // as ansible-core's check_type_dict reads them: split on commas and spaces outside quotes
        assertEquals("options.so_rcvbuf: must be an integer >= 0",
                failure("{\"pid\": 1, \"options\": \"tcp_nodelay=yes, so_rcvbuf='a lot'\"}"));
        assertEquals("options.ip_ttl: must be an integer from 1 to 255",
                failure("{\"pid\": 1, \"options\": \"so_rcvbuf=4096 ip_ttl=300\"}"));
        String valid = failure("{\"pid\": \"999999999\", \"options\": \"so_rcvbuf=4096 tcp_nodelay=yes\"}");
        assertTrue(valid.startsWith("no such process: 999999999"), "both converted and valid: " + valid);
        assertEquals("options.tcp_nodelay: must be a boolean (true or false)",
                failure("{\"pid\": 1, \"options\": \"so_rcvbuf=1 tcp_nodelay\"}"), "a field without = is named");
    }

    @Test
    void notJsonIsAClearFailure() {
        assertTrue(failure("{not json").startsWith("module arguments are not valid JSON"));
    }

    @Test
    void aServiceThatIsNotRunningIsAcceptedWithMissingIgnore() {
        String notRunning = failure("{\"pidfile\": \"/nonexistent/livetune.pid\", \"backlog\": 10}");
        assertTrue(notRunning.startsWith("pidfile /nonexistent/livetune.pid does not exist"), notRunning);
        // an Ansible task's hint names the module argument (the CLI's names its flag: SetCommandTest)
        assertTrue(notRunning.endsWith(" (set missing: ignore to accept that)"), notRunning);
        for (String selector : new String[] {"\"pidfile\": \"/nonexistent/livetune.pid\"", "\"pid\": 999999999"}) {
            ObjectNode result = run("{" + selector + ", \"backlog\": 10, \"missing\": \"ignore\"}");
            assertFalse(result.path("failed").asBoolean(), result.toString());
            assertFalse(result.path("changed").asBoolean(), result.toString());
        }
    }

    @Test
    void missingIgnoreAcceptsNoMatch() {
        ObjectNode result = run("{\"process\": \"^no-such-process-livetune$\", \"backlog\": 10, \"missing\": \"ignore\"}");
        assertFalse(result.path("failed").asBoolean(), result.toString());
        assertFalse(result.path("changed").asBoolean());
        assertEquals(0, result.path("sockets").size());
    }
}

package io.livetune.executor.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livetune.executor.modules.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The sockets command's entries, written in runs on several threads and joined, are the
 * very bytes one generator writing the result with its array gives.
 */
class WrittenEntriesTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void runsWrittenOnSeveralThreadsJoinIntoTheBytesOfTheWholeArray() throws IOException {
        List<ObjectNode> entries = IntStream.range(0, 1000).mapToObj(WrittenEntriesTest::entry)
                .collect(Collectors.toList());
        WrittenEntries written = new WrittenEntries();
        List<List<ObjectNode>> runs = new ArrayList<>();
        for (int from = 0, size = 1; from < entries.size(); from += size, size = size % 97 + 1) {
            runs.add(entries.subList(from, Math.min(entries.size(), from + size)));
        }
        runs.add(1, List.of()); // a run with nothing in it adds no separator
        // prepared on the common pool's threads and this one, in no order, accepted in order
        List<byte[]> prepared = runs.parallelStream().map(written::prepare).collect(Collectors.toList());
        prepared.forEach(written::accept);

        ObjectNode expected = result();
        entries.forEach(expected.putArray("sockets")::add);
        ObjectNode streamed = result();
        streamed.putPOJO("sockets", written);

        assertEquals(text(expected), text(streamed));
        assertEquals(Json.write(expected), Json.write(streamed)); // through a Writer, not a stream
    }

    @Test
    void noEntriesAreAnEmptyArray() throws IOException {
        ObjectNode streamed = result();
        streamed.putPOJO("sockets", new WrittenEntries());
        ObjectNode expected = result();
        expected.putArray("sockets");
        assertEquals(text(expected), text(streamed));
    }

    private static ObjectNode result() {
        ObjectNode result = NODES.objectNode();
        result.put("changed", false).put("msg", "n socket(s)");
        result.putArray("warnings").add("a warning");
        return result;
    }

    /** An entry with what real ones hold: text to escape, non-ASCII, nested objects and arrays, longs. */
    private static ObjectNode entry(int i) {
        ObjectNode entry = NODES.objectNode();
        entry.put("protocol", i % 2 == 0 ? "tcp" : "udp");
        entry.put("local", "[fe80::1%eth0]:" + i);
        entry.put("inode", 4_000_000_000L + i);
        entry.putArray("owners").addObject().put("pid", i).put("fd", 3).put("process", "d\u00e9mon \"" + i + "\"\n");
        entry.putObject("options").put("so_rcvbuf", 131072).put("so_keepalive", i % 3 == 0)
                .putObject("so_linger").put("enabled", false).put("seconds", 0);
        if (i % 5 == 0) {
            entry.putArray("notes").add("closed by its process \u2014 while read");
        }
        return entry;
    }

    private static String text(ObjectNode result) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Json.write(result, out, false);
        return out.toString(StandardCharsets.UTF_8);
    }
}

package io.livetune.executor.inject;

/**
 * One line of /proc/PID/maps (also the header line of each /proc/PID/smaps entry):
 * {@code 7f1c2a000000-7f1c2a1d5000 r-xp 00026000 fe:01 1234  /usr/lib/x86_64-linux-gnu/libc.so.6}.
 *
 * @param start first address
 * @param end the address after the last one
 * @param permissions "r-xp", "rw-s"
 * @param path the file, "[stack]", "[vdso]", or "" for anonymous memory
 */
public record Mapping(long start, long end, String permissions, String path) {

    /** Parses a maps line; null when the line is not one (an smaps field line such as "Rss: 4 kB"). */
    public static Mapping parse(String line) {
        int dash = line.indexOf('-');
        int space = line.indexOf(' ');
        if (dash <= 0 || space <= dash || !isHex(line, 0, dash) || !isHex(line, dash + 1, space)) {
            return null;
        }
        String[] fields = line.trim().split("\\s+", 6);
        if (fields.length < 5) {
            return null;
        }
        return new Mapping(Long.parseUnsignedLong(line.substring(0, dash), 16),
                Long.parseUnsignedLong(line.substring(dash + 1, space), 16), fields[1],
                fields.length == 6 ? fields[5] : "");
    }

    private static boolean isHex(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(text.charAt(i), 16) < 0) {
                return false;
            }
        }
        return to > from;
    }

    public long size() {
        return end - start;
    }

    public boolean readable() {
        return permissions.charAt(0) == 'r';
    }

    public boolean executable() {
        return permissions.charAt(2) == 'x';
    }

    /** "7f1c2a000000-7f1c2a1d5000 r-xp libc.so.6" */
    public String describe() {
        String name = path.isEmpty() ? "[anon]" : path.substring(path.lastIndexOf('/') + 1);
        return Long.toHexString(start) + "-" + Long.toHexString(end) + " " + permissions + " " + name;
    }

    @Override
    public String toString() {
        return describe();
    }
}

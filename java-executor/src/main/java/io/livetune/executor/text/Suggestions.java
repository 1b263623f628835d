package io.livetune.executor.text;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** "Did you mean …": the known names nearest to a misspelt one, by edit distance. */
public final class Suggestions {
    private static final int MAX_SUGGESTIONS = 3;

    private Suggestions() {
    }

    /** Letter case does not count: SO_RCVBUF is nearest to so_rcvbuf, PID to pid. */
    public static List<String> closest(String wrongAsGiven, Collection<String> known) {
        String wrong = wrongAsGiven.toLowerCase(Locale.ROOT);
        int limit = Math.max(2, wrong.length() / 3);
        List<String> near = new ArrayList<>();
        for (String name : known) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (distance(wrong, lower) <= limit || lower.contains(wrong) && wrong.length() >= 3) {
                near.add(name);
            }
        }
        near.sort(Comparator.comparingInt((String name) -> distance(wrong, name.toLowerCase(Locale.ROOT)))
                .thenComparing(name -> name));
        if (!near.isEmpty()) {
            // only the nearest (and those one edit further): "lock" is locked, not also unlocked
            int best = distance(wrong, near.get(0).toLowerCase(Locale.ROOT));
            near.removeIf(name -> distance(wrong, name.toLowerCase(Locale.ROOT)) > (best == 0 ? 0 : best + 1));
        }
        return near.size() > MAX_SUGGESTIONS ? near.subList(0, MAX_SUGGESTIONS) : near;
    }

    /** "; did you mean so_rcvbuf?" or "" when nothing is near. */
    public static String didYouMean(String wrong, Collection<String> known) {
        List<String> near = closest(wrong, known);
        return near.isEmpty() ? "" : "; did you mean " + String.join(" or ", near) + "?";
    }

    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}

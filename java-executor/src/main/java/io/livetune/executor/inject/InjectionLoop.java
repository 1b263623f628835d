package io.livetune.executor.inject;

import java.util.Arrays;

/**
 * A developer tool behind bench/inject_pause.sh and bench/injection_soak.py, not part of the
 * CLI: runs N injections into one process and prints, per injection, how long the engine
 * held the thread (from PTRACE_SEIZE to PTRACE_DETACH, as seen from outside), then a summary.
 *
 * <pre>java -cp livetune-executor.jar io.livetune.executor.inject.InjectionLoop PID N [getpid|mlockall] [--windows]</pre>
 *
 * getpid: one getpid per injection (the engine's own cost); mlockall: mlockall(MCL_CURRENT)
 * then munlockall, each in its own injection. --windows prints "W start_ns end_ns" per
 * injection (System.nanoTime is CLOCK_MONOTONIC on Linux, the clock the target reads) and
 * leaves 2 ms between injections, so that a pause seen in the target belongs to one window.
 */
public final class InjectionLoop {
    private InjectionLoop() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length < 2) {
            System.err.println("usage: InjectionLoop PID N [getpid|mlockall]");
            System.exit(2);
        }
        int pid = Integer.parseInt(argv[0]);
        int count = Integer.parseInt(argv[1]);
        String what = argv.length > 2 ? argv[2] : "getpid";
        boolean windows = argv.length > 3 && argv[3].equals("--windows");
        long[] micros = new long[what.equals("mlockall") ? 2 * count : count];
        int failures = 0;
        try (Injector injector = new Injector()) {
            for (int i = 0, n = 0; i < count; i++) {
                Syscall[] calls = what.equals("mlockall") ? new Syscall[] {Syscall.MLOCKALL, Syscall.MUNLOCKALL}
                        : new Syscall[] {Syscall.GETPID};
                for (Syscall call : calls) {
                    long start = System.nanoTime();
                    long result = injector.call(pid, call, call == Syscall.MLOCKALL ? 1 : 0);
                    long end = System.nanoTime();
                    micros[n++] = (end - start) / 1000;
                    if (windows) {
                        System.out.println("W " + start + " " + end);
                        Thread.sleep(2);
                    }
                    if (RemoteErrno.failed(result) || (call == Syscall.GETPID && result != pid)) {
                        failures++;
                        System.err.println(call.callName() + " returned " + result);
                    }
                }
            }
        }
        Arrays.sort(micros);
        System.out.println("injections " + micros.length + " failures " + failures + " median_us "
                + micros[micros.length / 2] + " p99_us " + micros[(int) Math.min(micros.length - 1,
                Math.ceil(micros.length * 0.99) - 1)] + " max_us " + micros[micros.length - 1]);
        System.exit(failures == 0 ? 0 : 1);
    }
}

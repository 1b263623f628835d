/**
 * Integration tests of the executor against real processes and real sockets.
 *
 * <p>A {@link io.livetune.executor.it.TargetProcess} is a python3 program
 * ({@code src/test/resources/it/socket_target.py}, stdlib only) that opens the sockets a
 * {@link io.livetune.executor.it.TargetSpec} asks for, prints one JSON line when ready (the
 * only synchronisation: no sleeps) and answers {@code OPTS <fd>} with its own getsockopt.
 * {@link io.livetune.executor.it.Executor} runs {@code io.livetune.executor.Main.run} in-process
 * and checks the protocol envelope of every answer. Results are always verified with tools that
 * are not the executor's: the target's own getsockopt and {@link io.livetune.executor.it.Ss}
 * ({@code nsenter -t PID -n ss}), never the executor's own {@code after} alone.
 *
 * <p>Tests extend {@link io.livetune.executor.it.LiveProcessTest}: targets are killed after each
 * test and every test has a hard time limit. Root-only parts are skipped by assumptions.
 */
package io.livetune.executor.it;

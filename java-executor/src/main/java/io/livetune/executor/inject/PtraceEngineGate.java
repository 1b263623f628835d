package io.livetune.executor.inject;

import io.livetune.executor.inject.InjectionException.Kind;
import io.livetune.executor.nativeio.Architecture;
import java.util.Optional;

/**
 * Keeps the ptrace engine off machines where it has never run. The engine stops threads of
 * production processes, so it may start only where its suites have passed on a real kernel
 * ({@link Architecture#ptraceEngine()}); elsewhere memory_lock and method: ptrace are refused
 * before anything is touched, and the pidfd path (which never stops the target) still works.
 */
final class PtraceEngineGate {
    /**
     * Test-only: the architecture (as uname -m prints it) on which to run the engine although
     * unverified. build-aux/vm/run-suites.sh sets it in the virtual machine whose suites are to
     * verify that architecture; nothing in the collection sets it.
     */
    static final String TEST_OVERRIDE_PROPERTY = "livetune.test.runUnverifiedPtraceEngineOn";

    private PtraceEngineGate() {
    }

    /** Returns {@code machine} when the engine may run on it; refuses otherwise. */
    static Architecture require(Architecture machine) throws InjectionException {
        Optional<String> refusal = refusal(machine, System.getProperty(TEST_OVERRIDE_PROPERTY));
        if (refusal.isPresent()) {
            throw new InjectionException(Kind.UNVERIFIED_MACHINE, refusal.get());
        }
        return machine;
    }

    /** Why the engine may not run on {@code machine}, unless {@code override} names it. */
    static Optional<String> refusal(Architecture machine, String override) {
        return refusal(machine.canonicalName(), machine.ptraceEngine(), override);
    }

    /** The decision itself, for a machine called {@code name} whose engine is in state {@code engine}. */
    static Optional<String> refusal(String name, Architecture.PtraceEngine engine, String override) {
        if (engine == Architecture.PtraceEngine.VERIFIED || name.equals(override)) {
            return Optional.empty();
        }
        return Optional.of("memory_lock and method: ptrace are refused on " + name + ": they stop a thread of the "
                + "target with ptrace, and livetune's ptrace engine has not yet passed its test suites on an " + name
                + " kernel (it is built and unit-tested for " + name + " only). On " + name + ", socket_option and "
                + "socket_info work with method: pidfd, or method: auto on kernels with pidfd_getfd (Linux 5.6 or "
                + "later), which never stop the target");
    }
}

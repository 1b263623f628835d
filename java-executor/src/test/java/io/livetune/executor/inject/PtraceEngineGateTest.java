package io.livetune.executor.inject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.livetune.executor.nativeio.Architecture;
import io.livetune.executor.nativeio.Architecture.PtraceEngine;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The decision that keeps the ptrace engine off machines where it has never run, for every
 * row of the architecture table in both states (the table's own values change as suites pass).
 */
class PtraceEngineGateTest {
    @Test
    void aVerifiedMachineRunsTheEngine() {
        for (Architecture machine : Architecture.values()) {
            assertEquals(Optional.empty(), PtraceEngineGate.refusal(machine.canonicalName(), PtraceEngine.VERIFIED, null));
        }
    }

    @Test
    void anUnverifiedMachineIsRefusedSayingWhyAndWhatStillWorks() {
        for (Architecture machine : Architecture.values()) {
            String name = machine.canonicalName();
            String refusal = PtraceEngineGate.refusal(name, PtraceEngine.UNVERIFIED, null).orElseThrow();
            assertTrue(refusal.startsWith("memory_lock and method: ptrace are refused on " + name + ":"), refusal);
            assertTrue(refusal.contains("has not yet passed its test suites on an " + name + " kernel"), refusal);
            assertTrue(refusal.contains("method: pidfd, or method: auto on kernels with pidfd_getfd"), refusal);
        }
    }

    @Test
    void theTestOverrideLiftsTheRefusalOnlyForTheMachineItNames() {
        for (Architecture machine : Architecture.values()) {
            String name = machine.canonicalName();
            assertEquals(Optional.empty(), PtraceEngineGate.refusal(name, PtraceEngine.UNVERIFIED, name));
            for (Architecture other : Architecture.values()) {
                if (other != machine) {
                    assertTrue(PtraceEngineGate.refusal(name, PtraceEngine.UNVERIFIED, other.canonicalName()).isPresent());
                }
            }
        }
    }

    /** The real table, through the real constructor: here (the build machine) the engine must start or say why. */
    @Test
    void anInjectorStartsOnThisMachineExactlyWhenTheTableAllowsIt() throws InjectionException {
        Architecture here = Architecture.current();
        Optional<String> refusal = PtraceEngineGate.refusal(here, System.getProperty(PtraceEngineGate.TEST_OVERRIDE_PROPERTY));
        if (refusal.isEmpty()) {
            new Injector().close();
        } else {
            InjectionException refused = assertThrows(InjectionException.class, Injector::new);
            assertEquals(InjectionException.Kind.UNVERIFIED_MACHINE, refused.kind());
            assertEquals(refusal.get(), refused.getMessage());
        }
    }
}

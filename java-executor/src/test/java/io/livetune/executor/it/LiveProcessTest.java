package io.livetune.executor.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Base of the integration tests: starts real target processes and kills every one of them
 * (and what they forked) after each test. Each test has a hard time limit, run in a separate
 * thread so a hung target or executor cannot hang the build.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
abstract class LiveProcessTest {
    private final List<TargetProcess> targets = new ArrayList<>();

    protected TargetProcess start(TargetSpec spec) {
        TargetProcess target = TargetProcess.start(spec);
        targets.add(target);
        return target;
    }

    @AfterEach
    void killTargets() {
        targets.forEach(TargetProcess::close);
        targets.clear();
    }
}

package io.livetune.executor.inject;

/** What to do while the target thread is stopped: as little as possible, every call through {@link RemoteCalls}. */
@FunctionalInterface
public interface RemoteWork<T> {
    T run(RemoteCalls calls) throws InjectionException;
}

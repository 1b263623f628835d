package io.livetune.executor.modules;

import io.livetune.executor.modules.memorylock.MemoryLockModule;
import io.livetune.executor.modules.preload.PreloadWrapperModule;
import io.livetune.executor.modules.socketinfo.SocketInfoModule;
import io.livetune.executor.modules.socketoption.SocketOptionModule;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The modules this executor serves, by the name Ansible calls them. */
public final class Modules {
    private static final List<String> NAMES = List.of(SocketOptionModule.NAME, SocketInfoModule.NAME,
            MemoryLockModule.NAME, PreloadWrapperModule.NAME);

    private Modules() {
    }

    /**
     * A fresh module, or null for an unknown name. Only the module asked for is built (its
     * schema compiled): a plain switch, so that no other module class is even loaded.
     */
    public static Module get(String name) {
        if (name == null) {
            return null;
        }
        switch (name) {
            case SocketOptionModule.NAME:
                return new SocketOptionModule();
            case SocketInfoModule.NAME:
                return new SocketInfoModule();
            case MemoryLockModule.NAME:
                return new MemoryLockModule();
            case PreloadWrapperModule.NAME:
                return new PreloadWrapperModule();
            default:
                return null;
        }
    }

    public static Set<String> names() {
        return new LinkedHashSet<>(NAMES);
    }
}

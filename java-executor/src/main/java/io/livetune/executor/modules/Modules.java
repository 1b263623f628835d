package io.livetune.executor.modules;

import io.livetune.executor.modules.memorylock.MemoryLockModule;
import io.livetune.executor.modules.preload.PreloadWrapperModule;
import io.livetune.executor.modules.socketinfo.SocketInfoModule;
import io.livetune.executor.modules.socketoption.SocketOptionModule;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The modules this executor serves, by the name Ansible calls them. */
public final class Modules {
    private static final Map<String, Supplier<Module>> MODULES = new LinkedHashMap<>();

    static {
        MODULES.put(SocketOptionModule.NAME, SocketOptionModule::new);
        MODULES.put(SocketInfoModule.NAME, SocketInfoModule::new);
        MODULES.put(MemoryLockModule.NAME, MemoryLockModule::new);
        MODULES.put(PreloadWrapperModule.NAME, PreloadWrapperModule::new);
    }

    private Modules() {
    }

    /** A fresh module, or null for an unknown name. */
    public static Module get(String name) {
        Supplier<Module> module = MODULES.get(name);
        return module == null ? null : module.get();
    }

    public static java.util.Set<String> names() {
        return MODULES.keySet();
    }
}

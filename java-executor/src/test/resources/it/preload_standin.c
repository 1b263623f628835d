/*
 * A STAND-IN for livetune's preload shim, for the tests of the preload_wrapper module only:
 * it proves that a program started through a drop-in or a wrapper has the library loaded and
 * sees the LIVETUNE_* environment. It overrides listen() with LIVETUNE_BACKLOG and nothing
 * else. The real shim (java-executor/src/main/c/, carried in the jar as
 * /native/<machine>/liblivetune_preload.so) is tested where the jar has it.
 *
 * Build: gcc -shared -fPIC -o liblivetune_preload.so preload_standin.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/socket.h>

int listen(int fd, int backlog)
{
    static int (*real_listen)(int, int);
    const char *wanted = getenv("LIVETUNE_BACKLOG");

    if (!real_listen)
        real_listen = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    if (wanted && *wanted)
        backlog = atoi(wanted);
    return real_listen(fd, backlog);
}

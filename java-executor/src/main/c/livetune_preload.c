/* livetune_preload.c: livetune's LD_PRELOAD shim (liblivetune_preload.so).
 *
 * Sets the listen backlog and the socket options of the LIVETUNE_* environment on the
 * sockets a program makes, from its first instruction on, and can lock its memory and
 * trace its own setsockopt/listen calls. docs/preload-shim.md is the contract.
 *
 * When options apply (each only to the sockets its registry entry names: TCP or UDP,
 * IPv4 or IPv6):
 *   socket()              a new AF_INET/AF_INET6 TCP or UDP socket: every option that is
 *                         not for listeners only
 *   listen()              the backlog; then the listener-only options (TCP_DEFER_ACCEPT...)
 *   accept(), accept4()   nothing when the listener went through us: the kernel makes an
 *                         accepted socket as a copy of its listener, options included.
 *                         Otherwise (a listener inherited from a parent, passed by systemd)
 *                         every option, on the accepted socket.
 *   connect()             only a socket that did not come through socket() here (made by
 *                         a raw system call, passed over a unix socket): every option.
 *   setsockopt()          the program's own call for a configured option: by default it
 *                         gets our value instead; with LIVETUNE_RESPECT_APP=1 its own, and
 *                         we remember not to set that option on that socket again.
 *
 * Never changes what the program sees: each real function's result and errno are passed
 * through, errno is kept around our own calls, our own failures are reported once. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"

#define LT_EXPORT __attribute__((visibility("default")))

/* glibc 2.34 moved dlsym into libc under a new symbol version; the build machine's glibc
 * would make the library require it, and a program on an older glibc would fail to start.
 * Bind to the version every glibc of the architecture has (libdl.so.2 is linked for the
 * glibc versions that keep dlsym there). The build checks no newer version slips in. */
#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

static struct lt_config config;

/* The next definition of each function we intercept: glibc's, or another preloaded
 * library's (RTLD_NEXT), resolved once. */
static struct {
    int (*socket)(int, int, int);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*listen)(int, int);
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*close)(int);
} real;

/* ---- per-descriptor memory ------------------------------------------------------------
 * One word per descriptor number below FD_SLOTS (512 KiB, untouched pages cost nothing
 * unless mlockall locks them):
 *   bit 7        FD_KNOWN: we have classified this socket and set our options on it
 *   bits 0-3     its kind: protocol bits (LT_TCP|LT_UDP) and family bits (LT_IPV4|LT_IPV6)<<2;
 *                0 for any other socket (unix, raw, ...)
 *   bits 8-63    with LIVETUNE_RESPECT_APP=1: config.wanted[i] was set by the program itself
 * close() clears the word before the number is freed. Higher descriptors are set up at
 * socket()/accept() all the same; only that memory is missing for them. */
#define FD_SLOTS 65536
#define FD_KNOWN 0x80u
#define KIND_BITS 0x0fu
#define APP_SET(i) ((uint64_t)1 << (8 + (i)))
_Static_assert(LT_OPTION_COUNT <= 56, "one bit per option in the descriptor word");

static _Atomic uint64_t fd_state[FD_SLOTS];

static uint64_t fd_load(int fd)
{
    return (unsigned)fd < FD_SLOTS ? atomic_load_explicit(&fd_state[fd], memory_order_relaxed) : 0;
}

static void fd_store(int fd, uint64_t state)
{
    if ((unsigned)fd < FD_SLOTS)
        atomic_store_explicit(&fd_state[fd], state, memory_order_relaxed);
}

static void fd_add(int fd, uint64_t bits)
{
    if ((unsigned)fd < FD_SLOTS)
        atomic_fetch_or_explicit(&fd_state[fd], bits, memory_order_relaxed);
}

static unsigned kind_bits(int domain, int type, int protocol)
{
    unsigned family = domain == AF_INET ? LT_IPV4 : domain == AF_INET6 ? LT_IPV6 : 0;
    unsigned proto = 0;
    type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (type == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP))
        proto = LT_TCP;
    else if (type == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP))
        proto = LT_UDP;
    return family != 0 && proto != 0 ? proto | family << 2 : 0;
}

/* The kind of a socket we did not see made; -1 if fd is not a socket. */
static int kind_of_fd(int fd)
{
    int domain, type, protocol;
    socklen_t length = sizeof domain;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) != 0)
        return -1;
    if (domain != AF_INET && domain != AF_INET6)
        return 0;
    length = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0)
        return -1;
    length = sizeof protocol;
    if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) != 0)
        return -1;
    return (int)kind_bits(domain, type, protocol);
}

static int fits(const struct lt_option *option, unsigned kind)
{
    return (option->protocols & (kind & 3u)) != 0 && (option->families & (kind >> 2 & 3u)) != 0;
}

/* ---- setting our options ------------------------------------------------------------- */
#define FOR_ANY_SOCKET 1u
#define FOR_LISTENERS 2u

/* The first failure of each option is worth one line on stderr (a congestion control that
 * is not loaded, a priority that needs CAP_NET_ADMIN); the program goes on either way. */
static atomic_int failure_reported[LT_OPTION_COUNT];

static void report_failure(const struct lt_wanted *wanted, int fd, int error)
{
    struct lt_line line;
    if (atomic_exchange(&failure_reported[wanted - config.wanted], 1))
        return;
    lt_begin_problem(&line);
    lt_put_program(&line);
    lt_put(&line, ": cannot set ");
    lt_put(&line, wanted->option->name);
    lt_put(&line, "=");
    lt_put_value(&line, wanted->option, &wanted->value, wanted->length);
    lt_put(&line, " on fd ");
    lt_put_int(&line, fd);
    lt_put(&line, ": ");
    lt_put_error(&line, error);
    lt_put(&line, " (reported once)");
    lt_write(&line, LT_TRACE_STDERR);
}

/* Sets the configured options of that kind of socket, leaving out those the program set
 * itself (app_set) and those not asked for (which). Clobbers errno: callers keep it. */
static void apply(int fd, unsigned kind, uint64_t app_set, unsigned which)
{
    for (int i = 0; i < config.count; i++) {
        const struct lt_wanted *w = &config.wanted[i];
        if (!fits(w->option, kind) || !(which & (w->option->listeners_only ? FOR_LISTENERS : FOR_ANY_SOCKET)) ||
            (app_set & APP_SET(i)))
            continue;
        if (real.setsockopt(fd, w->option->level, w->option->optname, &w->value, w->length) != 0)
            report_failure(w, fd, errno);
    }
}

/* A socket on its way to listen() or connect(): if we have not set it up yet, do it now. */
static void configure(int fd, unsigned which)
{
    uint64_t state = fd_load(fd);
    int kind;
    if (state & FD_KNOWN) {
        kind = (int)(state & KIND_BITS);
    } else {
        kind = kind_of_fd(fd);
        if (kind < 0)
            return;
        which |= FOR_ANY_SOCKET;
        fd_add(fd, FD_KNOWN | (unsigned)kind);
    }
    if (kind != 0)
        apply(fd, (unsigned)kind, state & ~(uint64_t)0xff, which);
}

/* Whether a program's own setsockopt of this option should get our value: only on the
 * sockets the option is for, so the kind is needed; a listener-only option, only on a
 * listener (before listen(), our value comes at listen() anyway). */
static int ours_applies(int fd, const struct lt_option *option)
{
    uint64_t state = fd_load(fd);
    int kind = state & FD_KNOWN ? (int)(state & KIND_BITS) : kind_of_fd(fd);
    int listening = 0;
    socklen_t length = sizeof listening;
    if (kind <= 0 || !fits(option, (unsigned)kind))
        return 0;
    if (option->listeners_only)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening;
    return 1;
}

static int wanted_index(int level, int optname)
{
    for (int i = 0; i < config.count; i++)
        if (config.wanted[i].option->level == level && config.wanted[i].option->optname == optname)
            return i;
    return -1;
}

/* ---- start-up ------------------------------------------------------------------------ */
static void lock_memory(int flags)
{
    struct rlimit limit;
    struct lt_line line;
    if (mlockall(flags) == 0)
        return;
    lt_begin_problem(&line);
    lt_put(&line, LT_ENV_MLOCK ": mlockall(");
    lt_put(&line, flags & MCL_CURRENT ? "MCL_CURRENT" : "");
    lt_put(&line, (flags & MCL_CURRENT) && (flags & MCL_FUTURE) ? "|" : "");
    lt_put(&line, flags & MCL_FUTURE ? "MCL_FUTURE" : "");
    lt_put(&line, flags & ~(MCL_CURRENT | MCL_FUTURE) ? "|MCL_ONFAULT" : "");
    lt_put(&line, "): ");
    lt_put_error(&line, errno);
    if ((errno == ENOMEM || errno == EPERM) && getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
        limit.rlim_cur != RLIM_INFINITY) {
        lt_put(&line, " (RLIMIT_MEMLOCK is ");
        lt_put_int(&line, (long long)limit.rlim_cur);
        lt_put(&line, " bytes; LimitMEMLOCK=infinity in the unit, or CAP_IPC_LOCK)");
    }
    lt_write(&line, LT_TRACE_STDERR);
}

#define RESOLVE(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))

static void initialise(void)
{
    RESOLVE(socket);
    RESOLVE(setsockopt);
    RESOLVE(listen);
    RESOLVE(accept);
    RESOLVE(accept4);
    RESOLVE(connect);
    RESOLVE(close);
    /* A set-user-ID program (AT_SECURE) keeps its environment from us: the loader only
     * preloads such a library from a trusted directory, and we pass everything through. */
    if (getauxval(AT_SECURE))
        return;
    lt_report_init();
    lt_config_read(&config);
    if (config.mlock_flags)
        lock_memory(config.mlock_flags);
}

/* 0: not started, 1: one thread is initialising, 2: ready. The constructor normally does it
 * before main(); a socket call from another library's constructor may come first. */
static atomic_int init_state;
static __thread int initialising;

/* Whether config and real are ready. False only for a call made from inside initialise()
 * on the same thread (dlsym may call malloc, and a malloc may close a file): such a call
 * goes straight to the kernel. */
static int ready(void)
{
    int expected = 0;
    if (atomic_load_explicit(&init_state, memory_order_acquire) == 2)
        return 1;
    if (initialising)
        return 0;
    if (atomic_compare_exchange_strong(&init_state, &expected, 1)) {
        int saved = errno;
        initialising = 1;
        initialise();
        initialising = 0;
        errno = saved;
        atomic_store_explicit(&init_state, 2, memory_order_release);
        return 1;
    }
    while (atomic_load_explicit(&init_state, memory_order_acquire) != 2)
        sched_yield();
    return 1;
}

__attribute__((constructor)) static void on_load(void)
{
    ready();
}

/* ---- the intercepted functions ------------------------------------------------------- */
LT_EXPORT int socket(int domain, int type, int protocol)
{
    int fd, saved;
    unsigned kind;
    if (!ready() || real.socket == NULL)
        return (int)syscall(SYS_socket, domain, type, protocol);
    fd = real.socket(domain, type, protocol);
    if (fd < 0 || config.count == 0)
        return fd;
    saved = errno;
    kind = kind_bits(domain, type, protocol);
    fd_store(fd, FD_KNOWN | kind);
    if (kind != 0)
        apply(fd, kind, 0, FOR_ANY_SOCKET);
    errno = saved;
    return fd;
}

static void trace_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen, int result,
                             int error, const struct lt_wanted *ours)
{
    const struct lt_option *option = lt_option_find(level, optname);
    struct lt_line line = {.length = 0};
    /* Print the program's value only where we know the kernel could read it (or, when ours
     * replaced it, where the program gave a buffer at all): a bad pointer must not crash it. */
    int readable = ours != NULL ? optval != NULL
                                : result == 0 || (error != EFAULT && error != EBADF && error != ENOTSOCK &&
                                                  error != ENOPROTOOPT);
    lt_put_program(&line);
    lt_put(&line, " sets ");
    if (option != NULL) {
        lt_put(&line, option->constant);
    } else { /* level:optname */
        lt_put_int(&line, level);
        lt_put(&line, ":");
        lt_put_int(&line, optname);
    }
    lt_put(&line, "=");
    if (readable)
        lt_put_value(&line, option, optval, optlen);
    else
        lt_put(&line, "?");
    lt_put(&line, " on fd ");
    lt_put_int(&line, fd);
    lt_put(&line, ": ");
    lt_put_error(&line, result == 0 ? 0 : error);
    /* ours replaced the program's value: say so where the two differ */
    if (ours != NULL && !(readable && optlen == ours->length && memcmp(optval, &ours->value, optlen) == 0)) {
        lt_put(&line, " (livetune made it ");
        lt_put_value(&line, ours->option, &ours->value, ours->length);
        lt_put(&line, ")");
    }
    lt_write(&line, config.trace);
}

LT_EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
    const struct lt_wanted *ours = NULL;
    int result, saved, i;
    if (!ready() || real.setsockopt == NULL)
        return (int)syscall(SYS_setsockopt, fd, level, optname, optval, optlen);
    if (config.count > 0 && (i = wanted_index(level, optname)) >= 0) {
        saved = errno;
        if (config.respect_app)
            fd_add(fd, APP_SET(i));
        else if (ours_applies(fd, config.wanted[i].option))
            ours = &config.wanted[i];
        errno = saved;
    }
    result = ours != NULL ? real.setsockopt(fd, level, optname, &ours->value, ours->length)
                          : real.setsockopt(fd, level, optname, optval, optlen);
    if (config.trace != LT_TRACE_OFF) {
        saved = errno;
        trace_setsockopt(fd, level, optname, optval, optlen, result, saved, ours);
        errno = saved;
    }
    return result;
}

LT_EXPORT int listen(int fd, int backlog)
{
    int used, result, saved;
    if (!ready() || real.listen == NULL)
        return (int)syscall(SYS_listen, fd, backlog);
    used = config.backlog >= 0 ? config.backlog : backlog;
    result = real.listen(fd, used);
    saved = errno;
    if (result == 0 && config.count > 0)
        configure(fd, FOR_LISTENERS);
    if (config.trace != LT_TRACE_OFF) {
        struct lt_line line = {.length = 0};
        lt_put_program(&line);
        lt_put(&line, " listen(fd ");
        lt_put_int(&line, fd);
        lt_put(&line, ", backlog ");
        lt_put_int(&line, backlog);
        lt_put(&line, "): ");
        lt_put_error(&line, result == 0 ? 0 : saved);
        if (used != backlog) {
            lt_put(&line, " (livetune made it ");
            lt_put_int(&line, used);
            lt_put(&line, ")");
        }
        lt_write(&line, config.trace);
    }
    errno = saved;
    return result;
}

static void accepted(int listener, int fd)
{
    int saved = errno;
    uint64_t state = fd_load(listener);
    int kind;
    if (state & FD_KNOWN) { /* a copy of a listener we set up */
        fd_store(fd, FD_KNOWN | (state & KIND_BITS));
    } else if ((kind = kind_of_fd(fd)) >= 0) {
        fd_store(fd, FD_KNOWN | (unsigned)kind);
        if (kind != 0)
            apply(fd, (unsigned)kind, 0, FOR_ANY_SOCKET);
    }
    errno = saved;
}

LT_EXPORT int accept(int fd, struct sockaddr *address, socklen_t *length)
{
    int result;
    if (!ready() || real.accept == NULL)
        return (int)syscall(SYS_accept4, fd, address, length, 0);
    result = real.accept(fd, address, length);
    if (result >= 0 && config.count > 0)
        accepted(fd, result);
    return result;
}

LT_EXPORT int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags)
{
    int result;
    if (!ready() || real.accept4 == NULL)
        return (int)syscall(SYS_accept4, fd, address, length, flags);
    result = real.accept4(fd, address, length, flags);
    if (result >= 0 && config.count > 0)
        accepted(fd, result);
    return result;
}

LT_EXPORT int connect(int fd, const struct sockaddr *address, socklen_t length)
{
    if (!ready() || real.connect == NULL)
        return (int)syscall(SYS_connect, fd, address, length);
    /* Above FD_SLOTS nothing is remembered: a socket there was set up by socket() (the
     * usual case), or cannot be told from one that was, and is left as it is. */
    if (config.count > 0 && (unsigned)fd < FD_SLOTS && !(fd_load(fd) & FD_KNOWN)) {
        int saved = errno;
        configure(fd, FOR_ANY_SOCKET);
        errno = saved;
    }
    return real.connect(fd, address, length);
}

LT_EXPORT int close(int fd)
{
    if (!ready() || real.close == NULL)
        return (int)syscall(SYS_close, fd);
    /* Forget the socket first: once the number is free, another thread's socket() can get it. */
    if (config.count > 0)
        fd_store(fd, 0);
    return real.close(fd);
}

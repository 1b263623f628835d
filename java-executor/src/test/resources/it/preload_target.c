/* preload_target.c: the program PreloadShimTest starts with liblivetune_preload.so in
 * LD_PRELOAD. Like the seeds' backlog tester it hard-codes what a program would: listen(fd,
 * 20) and its own small SO_RCVBUF. It reads every option back with its own getsockopt,
 * through constants from the system headers, never through the shim's table.
 *
 *   preload_target core      sockets of every kind; prints each one's options, then
 *                            "ready"; exits at the end of stdin
 *   preload_target errors    failing calls and successful ones: result and errno of each
 *   preload_target threads T N   T threads each make N sockets at once; counts wrong ones
 *   preload_target fork      a forked child, an exec'd child, an exec'd child without
 *                            LD_PRELOAD: the options and VmLck of each
 *   preload_target trace     the calls whose trace lines the test checks
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
    printf("FAILED %s: %s\n", what, strerror(errno));
    exit(2);
}

/* ---- reading options back ---- */
enum kind { INT, LINGER, MILLIS, NAME };
static const struct {
    const char *name;
    int level, optname;
    enum kind kind;
} options[] = {
    {"so_rcvbuf", SOL_SOCKET, SO_RCVBUF, INT},
    {"so_sndbuf", SOL_SOCKET, SO_SNDBUF, INT},
    {"so_keepalive", SOL_SOCKET, SO_KEEPALIVE, INT},
    {"so_linger", SOL_SOCKET, SO_LINGER, LINGER},
    {"so_rcvtimeo", SOL_SOCKET, SO_RCVTIMEO, MILLIS},
    {"so_broadcast", SOL_SOCKET, SO_BROADCAST, INT},
    {"tcp_nodelay", IPPROTO_TCP, TCP_NODELAY, INT},
    {"tcp_keepidle", IPPROTO_TCP, TCP_KEEPIDLE, INT},
    {"tcp_keepcnt", IPPROTO_TCP, TCP_KEEPCNT, INT},
    {"tcp_user_timeout", IPPROTO_TCP, TCP_USER_TIMEOUT, INT},
    {"tcp_congestion", IPPROTO_TCP, TCP_CONGESTION, NAME},
    {"tcp_defer_accept", IPPROTO_TCP, TCP_DEFER_ACCEPT, INT},
    {"ip_tos", IPPROTO_IP, IP_TOS, INT},
    {"ipv6_unicast_hops", IPPROTO_IPV6, IPV6_UNICAST_HOPS, INT},
};

/* "name=value" per option ("name=-" where the socket has no such option), and the inode */
static void print_options(const char *role, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("fstat");
    printf("socket %s fd=%d ino=%lu", role, fd, (unsigned long)st.st_ino);
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        union {
            int i;
            struct linger l;
            struct timeval tv;
            char name[16];
        } v;
        socklen_t length = sizeof v;
        memset(&v, 0, sizeof v);
        if (getsockopt(fd, options[i].level, options[i].optname, &v, &length) != 0) {
            printf(" %s=-", options[i].name);
            continue;
        }
        switch (options[i].kind) {
        case INT: printf(" %s=%d", options[i].name, v.i); break;
        case LINGER: printf(" %s=%d:%d", options[i].name, v.l.l_onoff, v.l.l_linger); break;
        case MILLIS: printf(" %s=%ld", options[i].name, (long)(v.tv.tv_sec * 1000 + v.tv.tv_usec / 1000)); break;
        case NAME: printf(" %s=%s", options[i].name, v.name); break;
        }
    }
    printf("\n");
}

static int get_int(int fd, int level, int optname)
{
    int value = -1;
    socklen_t length = sizeof value;
    return getsockopt(fd, level, optname, &value, &length) == 0 ? value : -1;
}

/* ---- sockets ---- */
static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t length = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &length) != 0)
        die("getsockname");
    return ntohs(a.sin_port);
}

/* A listener on 127.0.0.1 made with socket() (or by a raw system call, which the shim does
 * not see), with the program's own SO_RCVBUF of 4096, and listen(fd, 20). */
static int listener(int raw_socket, int raw_listen)
{
    int small = 4096, one = 1;
    int fd = raw_socket ? (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0) : socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    if (fd < 0)
        die("socket");
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
        die("setsockopt");
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("bind");
    if ((raw_listen ? (int)syscall(SYS_listen, fd, 20) : listen(fd, 20)) != 0)
        die("listen");
    return fd;
}

/* A client made with socket() (or a raw system call) that turns Nagle off itself, connected
 * to port with connect(). */
static int client(int port, int raw_socket)
{
    int zero = 0;
    int fd = raw_socket ? (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0) : socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(port);
    if (fd < 0)
        die("socket");
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero) != 0)
        die("setsockopt TCP_NODELAY");
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("connect");
    return fd;
}

static int accepted(int listener_fd)
{
    int fd = accept(listener_fd, NULL, NULL);
    if (fd < 0)
        die("accept");
    return fd;
}

static void wait_for_stdin_end(void)
{
    char buffer[64];
    while (read(0, buffer, sizeof buffer) > 0)
        ;
}

static int core(void)
{
    int l = listener(0, 0);
    int c = client(port_of(l), 0);
    int a = accepted(l);
    int raw_l = listener(1, 0);            /* made by a raw socket(): the shim sees listen() */
    int raw_c = client(port_of(raw_l), 1); /* made by a raw socket(): the shim sees connect() */
    int raw_a_l = listener(1, 1);          /* made and listening without the shim: it sees accept() */
    int raw_a_c = client(port_of(raw_a_l), 0);
    int raw_a = accepted(raw_a_l);
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    int tcp6 = socket(AF_INET6, SOCK_STREAM, 0);
    int local = socket(AF_UNIX, SOCK_STREAM, 0);
    if (udp < 0 || tcp6 < 0 || local < 0)
        die("socket");
    print_options("listener", l);
    print_options("client", c);
    print_options("accepted", a);
    print_options("raw-listener", raw_l);
    print_options("raw-client", raw_c);
    print_options("raw-accepted", raw_a);
    print_options("udp", udp);
    print_options("tcp6", tcp6);
    print_options("unix", local);
    printf("ready pid=%d port=%d\n", (int)getpid(), port_of(l));
    fflush(stdout);
    wait_for_stdin_end();
    (void)raw_a_c;
    return 0;
}

/* ---- errors: each call's result and errno, to compare with a run without the shim ---- */
#define SHOW(call)                                                                                 \
    do {                                                                                           \
        int result_;                                                                               \
        errno = 4242; /* a successful call leaves errno alone: so must the shim */                 \
        result_ = (call);                                                                          \
        printf("%-70s -> %s errno=%s\n", #call, result_ < 0 ? "-1" : "ok", errno == 4242 ? "untouched" : strerror(errno)); \
    } while (0)

static int errors(void)
{
    int one = 1, tiny = 1;
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    int file = open("/dev/null", O_RDONLY);
    int l = listener(0, 0);
    struct sockaddr_in here = loopback(port_of(l)), refused = loopback(1); /* nothing listens on port 1 */
    int nonblocking = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (tcp < 0 || file < 0 || nonblocking < 0)
        die("setup");

    SHOW(listen(1000, 5));
    SHOW(listen(file, 5));
    SHOW(listen(-1, 5));
    SHOW(setsockopt(tcp, SOL_SOCKET, 9999, &one, sizeof one));
    SHOW(setsockopt(tcp, IPPROTO_TCP, 9999, &one, sizeof one));
    SHOW(setsockopt(1000, SOL_SOCKET, SO_RCVBUF, &one, sizeof one));
    SHOW(setsockopt(file, SOL_SOCKET, SO_RCVBUF, &one, sizeof one));
    SHOW(setsockopt(tcp, SOL_SOCKET, SO_KEEPALIVE, &tiny, 1));
    SHOW(setsockopt(tcp, IPPROTO_TCP, TCP_CONGESTION, "no-such-cc", 10));
    SHOW(setsockopt(tcp, SOL_SOCKET, SO_KEEPALIVE, NULL, sizeof one));
    SHOW(socket(AF_INET, 12345, 0));
    SHOW(socket(9999, SOCK_STREAM, 0));
    SHOW(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    SHOW(connect(1000, (struct sockaddr *)&here, sizeof here));
    SHOW(connect(file, (struct sockaddr *)&here, sizeof here));
    SHOW(connect(socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&refused, sizeof refused));
    SHOW(connect(nonblocking, (struct sockaddr *)&here, sizeof here));
    SHOW(accept(1000, NULL, NULL));
    SHOW(accept(tcp, NULL, NULL));
    SHOW(accept4(l, NULL, NULL, 0x7fff0000));
    SHOW(accept4(file, NULL, NULL, 0));
    SHOW(close(1000));
    SHOW(close(-1));
    /* the successful ones: errno stays what it was */
    SHOW(socket(AF_INET, SOCK_STREAM, 0));
    SHOW(setsockopt(tcp, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    SHOW(listen(tcp, 20));
    SHOW(accept(l, NULL, NULL)); /* the nonblocking client's connection */
    SHOW(close(file));
    printf("done\n");
    return 0;
}

/* ---- threads: sockets made, connected, accepted and closed by many threads at once ---- */
static int expected_rcvbuf;
static int thread_port;
static int sockets_per_thread;

static void *maker(void *arg)
{
    long wrong = 0;
    (void)arg;
    for (int i = 0; i < sockets_per_thread; i++) {
        int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int udp = socket(AF_INET, SOCK_DGRAM, 0);
        int local = socket(AF_UNIX, SOCK_DGRAM, 0);
        struct sockaddr_in a = loopback(thread_port);
        if (tcp < 0 || udp < 0 || local < 0)
            die("socket");
        if (get_int(tcp, SOL_SOCKET, SO_RCVBUF) != expected_rcvbuf || get_int(tcp, IPPROTO_TCP, TCP_NODELAY) != 1 ||
            get_int(udp, SOL_SOCKET, SO_RCVBUF) != expected_rcvbuf ||
            get_int(local, SOL_SOCKET, SO_RCVBUF) == expected_rcvbuf)
            wrong++;
        if (connect(tcp, (struct sockaddr *)&a, sizeof a) != 0)
            die("connect");
        close(udp);
        close(local);
        close(tcp);
    }
    return (void *)wrong;
}

static void *acceptor(void *arg)
{
    int l = *(int *)arg, total = *((int *)arg + 1);
    long wrong = 0;
    for (int i = 0; i < total; i++) {
        int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            die("accept4");
        if (get_int(fd, SOL_SOCKET, SO_RCVBUF) != expected_rcvbuf || get_int(fd, IPPROTO_TCP, TCP_NODELAY) != 1)
            wrong++;
        close(fd);
    }
    return (void *)wrong;
}

static int threads(int count, int each, int rcvbuf)
{
    pthread_t makers[256], accepting;
    int l = listener(0, 0), args[2];
    long wrong = 0;
    void *result;
    if (count > 256)
        count = 256;
    expected_rcvbuf = rcvbuf;
    thread_port = port_of(l);
    sockets_per_thread = each;
    if (listen(l, 4096) != 0)
        die("listen");
    args[0] = l;
    args[1] = count * each;
    if (pthread_create(&accepting, NULL, acceptor, args) != 0)
        die("pthread_create");
    for (int t = 0; t < count; t++)
        if (pthread_create(&makers[t], NULL, maker, NULL) != 0)
            die("pthread_create");
    for (int t = 0; t < count; t++) {
        pthread_join(makers[t], &result);
        wrong += (long)result;
    }
    pthread_join(accepting, &result);
    wrong += (long)result;
    printf("threads=%d sockets=%d wrong=%ld\n", count, count * each, wrong);
    return 0;
}

/* ---- fork and exec ---- */
static long vmlck_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *status = fopen("/proc/self/status", "r");
    while (status != NULL && fgets(line, sizeof line, status) != NULL)
        if (sscanf(line, "VmLck: %ld", &kb) == 1)
            break;
    if (status != NULL)
        fclose(status);
    return kb;
}

static void child_report(const char *who)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    printf("%s so_rcvbuf=%d tcp_nodelay=%d vmlck_kb=%ld\n", who, get_int(fd, SOL_SOCKET, SO_RCVBUF),
           get_int(fd, IPPROTO_TCP, TCP_NODELAY), vmlck_kb());
    fflush(stdout);
}

static void run_child(char *self, const char *who, int keep_preload)
{
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (who == NULL) {
            child_report("forked");
            _exit(0);
        }
        if (!keep_preload)
            unsetenv("LD_PRELOAD");
        execl(self, self, "child", who, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
}

static int fork_and_exec(char *self)
{
    child_report("parent");
    run_child(self, NULL, 1);
    run_child(self, "exec", 1);
    run_child(self, "exec-without-preload", 0);
    return 0;
}

/* ---- trace ---- */
static int trace(void)
{
    int one = 1;
    struct linger linger = {1, 5};
    struct timeval timeout = {1, 500000};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("socket");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, 9999, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &one, sizeof one);
    listen(fd, 20);
    listen(1000, 20);
    printf("trace fd=%d\n", fd);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && strcmp(argv[1], "core") == 0)
        return core();
    if (argc >= 2 && strcmp(argv[1], "errors") == 0)
        return errors();
    if (argc >= 5 && strcmp(argv[1], "threads") == 0)
        return threads(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    if (argc >= 2 && strcmp(argv[1], "fork") == 0)
        return fork_and_exec(argv[0]);
    if (argc >= 3 && strcmp(argv[1], "child") == 0) {
        child_report(argv[2]);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "trace") == 0)
        return trace();
    fprintf(stderr, "usage: preload_target core|errors|threads T N RCVBUF|fork|trace\n");
    return 2;
}

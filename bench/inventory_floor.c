/*
 * inventory_floor: the system calls an inventory of every option must make, and nothing else
 * (figure (d)'s floor). For each socket descriptor of the given processes: pidfd_getfd,
 * fstat, N getsockopt, kcmp(KCMP_FILE) and close, on THREADS threads; before that, the walk
 * of /proc/PID/fd with a readlink per descriptor, as `ss -p` does too. No table, no output:
 * time it from outside, beside `ss -tanpie`, on the same sockets.
 *
 *   gcc -O2 -pthread -o /tmp/inventory_floor bench/inventory_floor.c
 *   farm-bench -n 11 --vs "ss -tanpie" -- /tmp/inventory_floor 2 18 PID1 PID2
 *
 * 18 is the number of getsockopt livetune makes for an established TCP socket: the registry's
 * options that the kernel's socket diagnostics do not carry (bench/README.md, figure (d)).
 * The options asked here are the same kind of call (a SOL_SOCKET or IPPROTO_TCP integer or
 * small struct), in the same number; which ones does not change what a call costs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KCMP_FILE 0
#define MAX_SOCKETS 1000000
#define MAX_THREADS 64

struct descriptor {
    int pidfd;
    int pid;
    int fd;
};

static struct descriptor *descriptors;
static int count;
static int threads;
static int options;

static const int OPTIONS[][2] = {
    {SOL_SOCKET, SO_KEEPALIVE}, {SOL_SOCKET, SO_REUSEADDR}, {SOL_SOCKET, SO_REUSEPORT},
    {SOL_SOCKET, SO_LINGER}, {SOL_SOCKET, SO_RCVLOWAT}, {SOL_SOCKET, SO_SNDLOWAT},
    {SOL_SOCKET, SO_PRIORITY}, {SOL_SOCKET, SO_BROADCAST}, {IPPROTO_TCP, TCP_NODELAY},
    {IPPROTO_TCP, TCP_KEEPIDLE}, {IPPROTO_TCP, TCP_KEEPINTVL}, {IPPROTO_TCP, TCP_KEEPCNT},
    {IPPROTO_TCP, TCP_USER_TIMEOUT}, {IPPROTO_TCP, TCP_QUICKACK}, {IPPROTO_TCP, TCP_CORK},
    {IPPROTO_TCP, TCP_MAXSEG}, {IPPROTO_TCP, TCP_NOTSENT_LOWAT}, {IPPROTO_TCP, TCP_DEFER_ACCEPT},
    {IPPROTO_TCP, TCP_WINDOW_CLAMP}, {IPPROTO_TCP, TCP_SYNCNT},
};

static void *read_sockets(void *arg) {
    long first = (long)arg;
    int self = getpid();
    char value[256];
    struct stat st;
    for (int i = (int)first; i < count; i += threads) {
        struct descriptor *d = &descriptors[i];
        int fd = (int)syscall(SYS_pidfd_getfd, d->pidfd, d->fd, 0);
        if (fd < 0) {
            continue; /* closed meanwhile */
        }
        fstat(fd, &st);
        for (int o = 0; o < options; o++) {
            socklen_t length = sizeof value;
            getsockopt(fd, OPTIONS[o][0], OPTIONS[o][1], value, &length);
        }
        syscall(SYS_kcmp, self, d->pid, KCMP_FILE, fd, d->fd);
        close(fd);
    }
    return NULL;
}

static void walk(int pid) {
    char directory[64];
    snprintf(directory, sizeof directory, "/proc/%d/fd", pid);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    DIR *entries = opendir(directory);
    if (pidfd < 0 || entries == NULL) {
        fprintf(stderr, "inventory_floor: cannot open process %d\n", pid);
        exit(1);
    }
    struct dirent *entry;
    while ((entry = readdir(entries)) != NULL && count < MAX_SOCKETS) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        char path[384], target[64];
        snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 8 && strncmp(target, "socket:[", 8) == 0) {
            descriptors[count].pidfd = pidfd;
            descriptors[count].pid = pid;
            descriptors[count].fd = atoi(entry->d_name);
            count++;
        }
    }
    closedir(entries);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: inventory_floor THREADS GETSOCKOPTS PID...\n");
        return 2;
    }
    threads = atoi(argv[1]);
    options = atoi(argv[2]);
    int most = (int)(sizeof OPTIONS / sizeof OPTIONS[0]);
    if (threads < 1 || threads > MAX_THREADS || options < 0 || options > most) {
        fprintf(stderr, "inventory_floor: THREADS 1 to %d, GETSOCKOPTS 0 to %d\n", MAX_THREADS, most);
        return 2;
    }
    descriptors = calloc(MAX_SOCKETS, sizeof *descriptors);
    if (descriptors == NULL) {
        return 1;
    }
    for (int a = 3; a < argc; a++) {
        walk(atoi(argv[a]));
    }
    pthread_t workers[MAX_THREADS];
    for (long t = 0; t < threads; t++) {
        pthread_create(&workers[t], NULL, read_sockets, (void *)t);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(workers[t], NULL);
    }
    fprintf(stderr, "%d sockets\n", count);
    return 0;
}

/* connect_cycles.c: bench (g), the cost of an LD_PRELOAD shim on a connection-heavy
 * program. A listener on 127.0.0.1; a forked child (the server) accepts each connection
 * and closes it; the parent (the client) connects, reads until the server's close, and
 * closes, COUNT times. Both run with whatever LD_PRELOAD the environment names.
 *
 *   connect_cycles COUNT   ->  "cycles=COUNT seconds=S cpu=C keepalive=K"
 *
 * S is the client's loop on CLOCK_MONOTONIC; C the processor time (user + system) that the
 * client's loop and the whole server took, from getrusage: on a shared machine the wall
 * time measures the neighbours as much as us. Process start-up is in neither. K is
 * SO_KEEPALIVE of the client's first socket, to show that the preloaded library acted. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(int who)
{
    struct rusage usage;
    getrusage(who, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 100000;
    struct sockaddr_in address;
    socklen_t length = sizeof address;
    struct timespec start, end;
    double cpu_start;
    int listener, keepalive = -1;
    pid_t server;
    char byte;

    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 ||
        listen(listener, 1024) != 0 || getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        die("listener");

    server = fork();
    if (server < 0)
        die("fork");
    if (server == 0) {
        for (long i = 0; i < count; i++) {
            int fd = accept(listener, NULL, NULL);
            if (fd < 0)
                die("accept");
            close(fd);
        }
        _exit(0);
    }
    close(listener);

    cpu_start = cpu_seconds(RUSAGE_SELF);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0)
            die("connect");
        if (i == 0) {
            socklen_t size = sizeof keepalive;
            getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &size);
        }
        while (read(fd, &byte, 1) > 0) /* until the server's close */
            ;
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (waitpid(server, NULL, 0) != server)
        die("waitpid");
    printf("cycles=%ld seconds=%.4f cpu=%.4f keepalive=%d\n", count,
           (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9,
           cpu_seconds(RUSAGE_SELF) - cpu_start + cpu_seconds(RUSAGE_CHILDREN), keepalive);
    return 0;
}

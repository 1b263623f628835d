/*
 * legacy_server: the small C server that cannot be rebuilt, as the tests need one: its
 * listen backlog (20) and SO_RCVBUF (4096) are set once, at start-up, in code. Small on
 * purpose (a VmSize of a few MB, where a Python daemon has 20): a process whose whole
 * memory fits under a systemd-style RLIMIT_MEMLOCK of 8 MiB.
 *
 *     legacy_server PORT     listen on 127.0.0.1:PORT; answer "PONG\n" to each line a
 *                            client sends; keep every connection open until the client
 *                            closes it. SIGTERM ends it.
 *
 * Built by the tests that use it (gcc -O2 -o legacy_server legacy_server.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 64

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1, rcvbuf = 4096;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 20) < 0) {
        perror("legacy_server");
        return 1;
    }
    struct pollfd fds[MAX_FDS] = { { .fd = fd, .events = POLLIN } };
    int n = 1;
    for (;;) {
        if (poll(fds, n, -1) < 0) {
            continue;
        }
        if ((fds[0].revents & POLLIN) && n < MAX_FDS) {
            int c = accept(fd, NULL, NULL);
            if (c >= 0) {
                fds[n].fd = c;
                fds[n].events = POLLIN;
                fds[n].revents = 0;
                n++;
            }
        }
        for (int i = 1; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            char buf[512];
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i--] = fds[--n];
                continue;
            }
            if (memchr(buf, '\n', (size_t)got) != NULL && write(fds[i].fd, "PONG\n", 5) < 0) {
                close(fds[i].fd);
                fds[i--] = fds[--n];
            }
        }
    }
}

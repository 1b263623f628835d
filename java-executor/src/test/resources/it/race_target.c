/*
 * A target for livetune's race tests: a TCP listener on 127.0.0.1 and two connections to it,
 * both ends held here. Its main thread only waits (it is the thread ptrace stops); a second
 * thread takes commands from the FIFO named by argv[1], so that a test can make this process
 * close or replace a descriptor at an exact moment, even while the main thread is stopped.
 *
 * Prints its pid, then "port P server S1 S2 client C1 C2". Commands, one per line, each
 * answered by one line on stdout:
 *   CLOSE fd    close(fd)                                         -> "closed fd"
 *   REPLACE fd  dup2() a fresh TCP socket, lingering 5 s, onto fd -> "replaced fd inode I"
 *   OPTS fd     its own getsockopt: SO_KEEPALIVE and TCP_KEEPIDLE -> "keepalive K keepidle I"
 *   LINGER fd   its own getsockopt of SO_LINGER                   -> "linger ON SECONDS"
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void *commands(void *fifo_path) {
    /* O_RDWR: the open never waits for a writer, and a writer closing is never EOF. */
    FILE *in = fopen((const char *) fifo_path, "r+");
    if (in == NULL) die("fifo");
    char line[128];
    while (fgets(line, sizeof line, in) != NULL) {
        int fd;
        if (sscanf(line, "CLOSE %d", &fd) == 1) {
            close(fd);
            printf("closed %d\n", fd);
        } else if (sscanf(line, "REPLACE %d", &fd) == 1) {
            int fresh = socket(AF_INET, SOCK_STREAM, 0);
            /* lingering on: livetune must leave this socket, which is not the one it scanned, as it is */
            struct linger lingering = {1, 5};
            if (fresh < 0 || setsockopt(fresh, SOL_SOCKET, SO_LINGER, &lingering, sizeof lingering) < 0
                    || dup2(fresh, fd) < 0) die("replace");
            close(fresh);
            struct stat st;
            fstat(fd, &st);
            printf("replaced %d inode %lu\n", fd, (unsigned long) st.st_ino);
        } else if (sscanf(line, "LINGER %d", &fd) == 1) {
            struct linger lingering = {-1, -1};
            socklen_t length = sizeof lingering;
            getsockopt(fd, SOL_SOCKET, SO_LINGER, &lingering, &length);
            printf("linger %d %d\n", lingering.l_onoff, lingering.l_linger);
        } else if (sscanf(line, "OPTS %d", &fd) == 1) {
            int keepalive = -1, idle = -1;
            socklen_t length = sizeof keepalive;
            getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keepalive, &length);
            length = sizeof idle;
            getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &length);
            printf("keepalive %d keepidle %d\n", keepalive, idle);
        } else {
            printf("unknown command\n");
        }
        fflush(stdout);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: race_target FIFO\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *) &address, sizeof address) < 0 || listen(listener, 16) < 0) die("listen");
    socklen_t length = sizeof address;
    getsockname(listener, (struct sockaddr *) &address, &length);
    int client[2], server[2];
    for (int i = 0; i < 2; i++) {
        client[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(client[i], (struct sockaddr *) &address, sizeof address) < 0) die("connect");
        server[i] = accept(listener, NULL, NULL);
        if (server[i] < 0) die("accept");
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, commands, argv[1]) != 0) die("pthread_create");
    printf("%d\nport %d server %d %d client %d %d\n", (int) getpid(), ntohs(address.sin_port), server[0], server[1],
           client[0], client[1]);
    fflush(stdout);
    for (;;) pause();
}

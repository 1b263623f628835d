/*
 * The seed's "backlog tester", for the preload_wrapper tests: a server with a hard-coded
 * listen(fd, 20) and a small SO_RCVBUF (4096) that it sets itself. Once listening on a free
 * loopback port it prints "PID PORT RCVBUF NODELAY" (its own getsockopt readings, after its
 * own calls) and waits. Started through a wrapper or with a drop-in's environment, `ss`
 * shows the backlog the preload library set instead of 20.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rcvbuf = 4096, got = 0, nodelay = 0;
    socklen_t len = sizeof(got);
    struct sockaddr_in addr;

    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) != 0) {
        perror("socket/setsockopt");
        return 1;
    }
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 20) != 0) {
        perror("bind/listen");
        return 1;
    }
    len = sizeof(addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    len = sizeof(got);
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
    len = sizeof(nodelay);
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len);
    printf("%d %d %d %d\n", (int)getpid(), ntohs(addr.sin_port), got, nodelay);
    fflush(stdout);
    for (;;)
        pause();
}

/* Three syscall-level costs on this machine with real sockets: a recv() call, a byte copied out
 * of the kernel, and a process wake-up (loopback TCP); `ratelab calibrate` fits the model's. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) { perror(what); exit(1); }

/* A connected loopback TCP pair: fds[0] client, fds[1] accepted server side. */
static void tcp_pair(int fds[2])
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0) die("socket");
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0 };
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) || getsockname(ls, (struct sockaddr *)&a, &al)) die("bind/listen");
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fds[0], (struct sockaddr *)&a, sizeof a)) die("connect");
    fds[1] = accept(ls, NULL, NULL);
    if (fds[1] < 0) die("accept");
    close(ls);
    int one = 1, big = 4 << 20;
    for (int i = 0; i < 2; i++) {
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
        setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    }
}

static void write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) { if (errno == EINTR) continue; die("write"); }
        buf += w; n -= (size_t)w;
    }
}

/* ns per recv() call that returns data: 1-byte reads from a buffer already full of data. */
static double recv_call_ns(void)
{
    int fds[2];
    tcp_pair(fds);
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    write_all(fds[0], buf, 1 << 20);
    usleep(20000);                                   /* let it all land in the receive queue */
    const int n = 200000;
    char c;
    double t0 = now_s();
    for (int i = 0; i < n; i++) if (recv(fds[1], &c, 1, 0) != 1) die("recv");
    double dt = now_s() - t0;
    close(fds[0]); close(fds[1]);
    return dt / n * 1e9;
}

/* ns per byte of large reads (minus the per-call cost): the copy out of the kernel. */
static double copy_ns_per_byte(double call_ns)
{
    int fds[2];
    tcp_pair(fds);
    static char buf[1 << 20], rbuf[65536];
    memset(buf, 'y', sizeof buf);
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        write_all(fds[0], buf, 1 << 20);
        usleep(20000);
        size_t got = 0, calls = 0;
        double t0 = now_s();
        while (got < (1u << 20)) {
            ssize_t r = recv(fds[1], rbuf, sizeof rbuf, 0);
            if (r <= 0) die("recv");
            got += (size_t)r; calls++;
        }
        double dt = now_s() - t0;
        double per_b = (dt * 1e9 - (double)calls * call_ns) / (double)got;
        if (per_b < best) best = per_b;
    }
    close(fds[0]); close(fds[1]);
    return best > 0 ? best : 0;
}

/* ns per wake-up: half a ping-pong round trip between two processes blocked in recv(). */
static double wakeup_ns(void)
{
    int fds[2];
    tcp_pair(fds);
    const int n = 20000;
    pid_t pid = fork();
    if (pid < 0) die("fork");
    char c = 'p';
    if (pid == 0) {
        for (int i = 0; i < n; i++) { if (recv(fds[1], &c, 1, 0) != 1) _exit(1); if (send(fds[1], &c, 1, 0) != 1) _exit(1); }
        _exit(0);
    }
    double t0 = now_s();
    for (int i = 0; i < n; i++) { if (send(fds[0], &c, 1, 0) != 1) die("send"); if (recv(fds[0], &c, 1, 0) != 1) die("recv"); }
    double dt = now_s() - t0;
    waitpid(pid, NULL, 0);
    close(fds[0]); close(fds[1]);
    return dt / n / 2 * 1e9;
}

int main(void)
{
    double call = recv_call_ns();
    double copy = copy_ns_per_byte(call);
    double wake = wakeup_ns();
    printf("real sockets (loopback TCP): recv() call %.0f ns, copy %.3f ns/byte, wake-up %.0f ns "
           "(half a blocked ping-pong round trip)\n", call, copy, wake);
    printf("  (ratelab calibrate measures the whole receive paths and fits the simulator's costs)\n");
    return 0;
}

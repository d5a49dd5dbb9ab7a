/* Network-namespace plumbing for the kernel engine: running iproute2 commands, entering a
 * namespace to write its sysctls or switch offloads off, and starting processes inside one. */
#ifndef KERNEL_NETNS_H
#define KERNEL_NETNS_H

#include <stddef.h>
#include <sys/types.h>

/* Absolute paths of ip and tc, found once by netns_find_tools. */
extern char netns_ip[256], netns_tc[256];
int  netns_find_tools(char *err, size_t errlen);

/* Runs argv (argv[0] an absolute path) in its own process group and waits; 0 if it exited 0, else
 * -1 with "ARGV...: its stderr" in err.  SIGINT from the terminal reaches only ratelab, which then
 * tears down with further commands. */
int  netns_cmd(char *const argv[], char *err, size_t errlen);
/* The same with the command's stdout captured into out (NUL-terminated, truncated to outlen). */
int  netns_cmd_out(char *const argv[], char *out, size_t outlen, char *err, size_t errlen);
/* `ip ARGS...` / `tc ARGS...`, NULL-terminated. */
int  netns_ip_cmd(char *err, size_t errlen, ...);
int  netns_tc_cmd(char *err, size_t errlen, ...);

/* Enter the named namespace (created by `ip netns add`) / return to the one ratelab started in. */
int  netns_enter(const char *name, char *err, size_t errlen);
void netns_leave(void);
/* Inside the current namespace: write a sysctl ("net/ipv4/tcp_sack"), switch TSO/GSO/GRO off. */
int  netns_sysctl(const char *path, const char *value, char *err, size_t errlen);
int  netns_offloads_off(const char *ifname, char *err, size_t errlen);

/* Starts argv inside namespace `name` with stdout into a pipe (*out_fd), in its own process
 * group, killed by the kernel if ratelab dies (PR_SET_PDEATHSIG).  Returns the pid or -1. */
pid_t netns_spawn(const char *name, char *const argv[], int *out_fd, char *err, size_t errlen);

#endif

/* Regular-file checks for every input a command reads: scenario files, traces, baselines and
 * databases.  O_NONBLOCK on open means a FIFO without a writer cannot stop the command. */
#include "infile.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int judge(const char *path, const struct stat *s, const char *what, char *err, size_t errlen)
{
    if (S_ISREG(s->st_mode)) return 0;
    const char *kind = S_ISDIR(s->st_mode) ? "a directory" : S_ISFIFO(s->st_mode) ? "a FIFO"
                     : S_ISCHR(s->st_mode) ? "a character device" : S_ISBLK(s->st_mode) ? "a block device"
                     : S_ISSOCK(s->st_mode) ? "a socket" : "not a regular file";
    snprintf(err, errlen, "%s: is %s, not a %s", path, kind, what);
    return -1;
}

int infile_check(const char *path, const char *what, char *err, size_t errlen)
{
    struct stat s;
    if (stat(path, &s) != 0) {
        snprintf(err, errlen, "%s: cannot open %s: %s", path, what, strerror(errno));
        return -1;
    }
    return judge(path, &s, what, err, errlen);
}

int infile_open(const char *path, const char *what, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open %s: %s", path, what, strerror(errno));
        return -1;
    }
    struct stat s;
    if (fstat(fd, &s) != 0) {
        snprintf(err, errlen, "%s: cannot open %s: %s", path, what, strerror(errno));
        close(fd);
        return -1;
    }
    if (judge(path, &s, what, err, errlen) != 0) { close(fd); return -1; }
    /* Regular files never block; clear the flag so reads behave as usual. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int infile_read(const char *path, const char *what, size_t max, char **buf, size_t *len, char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    int fd = infile_open(path, what, err, errlen);
    if (fd < 0) return -1;
    size_t cap = 0, n = 0;
    char *b = NULL;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            size_t c = cap ? 2 * cap : 65536 + 1;
            char *q = realloc(b, c);
            if (!q) { snprintf(err, errlen, "%s: out of memory", path); goto fail; }
            b = q;
            cap = c;
        }
        ssize_t r = read(fd, b + n, 65536);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { snprintf(err, errlen, "%s: read error: %s", path, strerror(errno)); goto fail; }
        if (r == 0) break;
        n += (size_t)r;
        if (n > max) { snprintf(err, errlen, "%s: larger than %zu bytes, not a %s", path, max, what); goto fail; }
    }
    close(fd);
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
fail:
    free(b);
    close(fd);
    return -1;
}

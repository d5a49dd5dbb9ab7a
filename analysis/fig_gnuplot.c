/* Running gnuplot: data files and a settings.gp of variables go to a temp dir, the script from
 * analysis/ draws.  Anything gnuplot prints is treated as an error, so a warning such as
 * "no valid points" can never leave an empty figure behind unnoticed (one fontconfig note aside). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fig_internal.h"

#define FONTCONFIG_NO_CACHE "Fontconfig error: No writable cache directories"

int figure_scripts_dir(char *buf, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("RATELAB_ANALYSIS_DIR");
    char probe[PATH_MAX + 32];
    if (env && *env) {
        snprintf(probe, sizeof probe, "%s/common.gp", env);
        if (access(probe, R_OK) == 0) { snprintf(buf, len, "%s", env); return 0; }
        snprintf(err, errlen, "RATELAB_ANALYSIS_DIR=%s: no common.gp there", env);
        return -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(probe, sizeof probe, "%s/../analysis/common.gp", exe);
            if (access(probe, R_OK) == 0) { snprintf(buf, len, "%s/../analysis", exe); return 0; }
        }
    }
    if (access("analysis/common.gp", R_OK) == 0) { snprintf(buf, len, "analysis"); return 0; }
    snprintf(err, errlen, "cannot find the gnuplot scripts (analysis/*.gp); set RATELAB_ANALYSIS_DIR");
    return -1;
}

int fig_workdir(struct fig_ctx *c)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(c->workdir, sizeof c->workdir, "%s/ratelab-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(c->workdir)) {
        snprintf(c->err, c->errlen, "cannot create a temp dir in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
        c->workdir[0] = 0;
        return -1;
    }
    return 0;
}

void fig_workdir_remove(struct fig_ctx *c)
{
    if (!c->workdir[0]) return;
    static const char *const files[] = { "settings.gp", "gnuplot.err", "data.dat", "front.dat", "chosen.dat",
                                         "counts.dat", "speeds.dat", "target.dat", NULL };
    char p[1024];
    for (size_t i = 0; files[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", c->workdir, files[i]);
        unlink(p);
    }
    rmdir(c->workdir);
    c->workdir[0] = 0;
}

FILE *fig_open_data(struct fig_ctx *c, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", c->workdir, name);
    FILE *f = fopen(p, "w");
    if (!f) snprintf(c->err, c->errlen, "%s: %s", p, strerror(errno));
    return f;
}

/* gnuplot single-quoted strings have no escapes but '' for a quote. */
void fig_set_str(FILE *f, const char *var, const char *value)
{
    fprintf(f, "%s = '", var);
    for (const char *s = value; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        if (*s != '\n') fputc(*s, f);
    }
    fputs("'\n", f);
}

void fig_set_num(FILE *f, const char *var, double value)
{
    if (isfinite(value)) fprintf(f, "%s = %.17g\n", var, value);
    else fprintf(f, "%s = NaN\n", var);
}

static int run_gnuplot(struct fig_ctx *c, const char *script, const char *term)
{
    char errfile[1024], setvars[8192], script_path[1024];
    snprintf(errfile, sizeof errfile, "%s/gnuplot.err", c->workdir);
    snprintf(script_path, sizeof script_path, "%s/%s.gp", c->scripts, script);
    /* Paths go in as gnuplot strings; a quote in them is doubled like in fig_set_str. */
    char qdir[1100], qscripts[1100], qout[2200];
    const char *src[3] = { c->workdir, c->scripts, c->out_base };
    char *dst[3] = { qdir, qscripts, qout };
    size_t cap[3] = { sizeof qdir, sizeof qscripts, sizeof qout };
    for (int k = 0; k < 3; k++) {
        size_t o = 0;
        for (const char *s = src[k]; *s && o + 3 < cap[k]; s++) {
            if (*s == '\'') dst[k][o++] = '\'';
            dst[k][o++] = *s;
        }
        dst[k][o] = 0;
    }
    snprintf(setvars, sizeof setvars, "dir='%s'; scripts='%s'; term='%s'; out='%s.%s'",
             qdir, qscripts, term, qout, term);
    pid_t pid = fork();
    if (pid < 0) { snprintf(c->err, c->errlen, "cannot start gnuplot: %s", strerror(errno)); return -1; }
    if (pid == 0) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) { dup2(fd, STDERR_FILENO); dup2(fd, STDOUT_FILENO); close(fd); }
        execlp("gnuplot", "gnuplot", "-e", setvars, script_path, (char *)NULL);
        fprintf(stderr, "cannot run gnuplot: %s (install gnuplot-nox)\n", strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    /* gnuplot's messages span lines (command, caret, reason): joined into one. */
    FILE *f = fopen(errfile, "r");
    char line[512] = "", part[256];
    int said = 0;
    while (f && fgets(part, sizeof part, f)) {
        size_t l = strlen(part), o = strlen(line);
        while (l && (part[l - 1] == '\n' || part[l - 1] == ' ')) part[--l] = 0;
        char *p = part;
        while (*p == ' ') p++;
        if (!*p || !strcmp(p, "^")) continue;
        /* fontconfig's note that it found its font cache stale and nowhere to write a new one
         * (a user whose HOME is not writable, e.g. nobody, after fonts changed): it scans the
         * fonts itself and gnuplot draws the same figure, so this line alone is no error. */
        if (!strcmp(p, FONTCONFIG_NO_CACHE)) continue;
        snprintf(line + o, sizeof line - o, "%s%s", said ? " / " : "", p);
        said = 1;
    }
    if (f) fclose(f);
    if (said || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(c->err, c->errlen, "gnuplot (%s, %s): %s", script_path, term,
                 said ? line : "exited with an error");
        return -1;
    }
    return 0;
}

int fig_render(struct fig_ctx *c, const char *script)
{
    if ((!c->svg_only && run_gnuplot(c, script, "png") != 0) || run_gnuplot(c, script, "svg") != 0) return FIG_ERROR;
    char png[1100];
    snprintf(png, sizeof png, "%s.%s", c->out_base, c->svg_only ? "svg" : "png");
    struct stat sb;
    if (stat(png, &sb) != 0 || sb.st_size == 0) {
        snprintf(c->err, c->errlen, "gnuplot wrote no %s", png);
        return FIG_ERROR;
    }
    if (!c->quiet) printf("wrote %s.png and %s.svg\n", c->out_base, c->out_base);
    return FIG_OK;
}

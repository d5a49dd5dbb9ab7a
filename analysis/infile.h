/* Input files opened safely: regular files only, so a FIFO never hangs a command and a device or
 * directory gets one clear line instead of a parser's confusion; whole-file reads with a cap. */
#ifndef ANALYSIS_INFILE_H
#define ANALYSIS_INFILE_H

#include <stddef.h>

/* 0 if path names an existing regular file (links followed), else -1 with "PATH: reason" in err;
 * `what` names the expected kind ("scenario file", "database file") in the reason. */
int infile_check(const char *path, const char *what, char *err, size_t errlen);
/* Opens a regular file for reading without blocking on a FIFO: returns the fd, or -1 with err. */
int infile_open(const char *path, const char *what, char *err, size_t errlen);
/* Reads a whole regular file of at most max bytes into a NUL-terminated malloc'd buffer (*len
 * excludes the terminator; the text may itself hold NUL bytes, which the caller must judge). */
int infile_read(const char *path, const char *what, size_t max, char **buf, size_t *len, char *err, size_t errlen);

#endif

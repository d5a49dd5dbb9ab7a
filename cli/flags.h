/* Command-line numbers, parsed one strict way by every subcommand: decimal digits only, no blanks
 * or '+', no overflow clamped to a limit, and a message that says what is wrong with the text. */
#ifndef CLI_FLAGS_H
#define CLI_FLAGS_H

#include <stddef.h>

/* An integer in [min, max] ("-" allowed only when min < 0).  On error writes "FLAG TEXT: reason"
 * (not an integer / out of range [min, max]) to err and returns -1. */
int flag_long(const char *flag, const char *text, long min, long max, long *out, char *err, size_t errlen);
/* A number in [min, max] as scenario values are written (parse_number: no hex, inf or nan). */
int flag_double(const char *flag, const char *text, double min, double max, double *out, char *err, size_t errlen);

#endif

/* Strict flag numbers shared by sweep, regress, plot and rate-replay: strtol alone would accept
 * ' 4', '+4' and clamp 99999999999999999999 to LONG_MAX without a word. */
#include "flags.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "params.h"

/* The text as given, quoted when blanks or emptiness would otherwise hide in the message. */
static const char *shown(const char *text, char *buf, size_t len)
{
    int plain = *text != 0;
    for (const char *p = text; *p; p++) plain &= *p != ' ' && *p != '\t';
    if (plain) return text;
    snprintf(buf, len, "'%s'", text);
    return buf;
}

int flag_long(const char *flag, const char *text, long min, long max, long *out, char *err, size_t errlen)
{
    char q[128];
    const char *p = text + (min < 0 && *text == '-');
    int digits = *p != 0;
    for (const char *c = p; *c; c++) digits &= *c >= '0' && *c <= '9';
    if (!digits) {
        snprintf(err, errlen, "%s %s: not an integer (expected an integer in [%ld, %ld])", flag, shown(text, q, sizeof q),
                 min, max);
        return -1;
    }
    errno = 0;
    char *end;
    long v = strtol(text, &end, 10);
    if (errno == ERANGE || v < min || v > max) {
        snprintf(err, errlen, "%s %s: out of range [%ld, %ld]", flag, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int flag_double(const char *flag, const char *text, double min, double max, double *out, char *err, size_t errlen)
{
    double v;
    char q[128];
    int rc = parse_number(text, &v);
    if (rc != 0) {
        snprintf(err, errlen, "%s %s: '%s' %s", flag, shown(text, q, sizeof q), text, parse_number_error(rc));
        return -1;
    }
    if (!(v >= min && v <= max)) {
        snprintf(err, errlen, "%s %s: out of range [%g, %g]", flag, text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

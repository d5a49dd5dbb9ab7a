/* The sweep's progress line on a terminal: runs done / total, runs per second, ETA.
 * Silent when stderr is not a terminal, so logs and pipes stay clean. */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stddef.h>

struct progress {
    int    enabled;
    size_t total;          /* runs this invocation will do */
    size_t base;           /* runs already present, shown as done */
    double t0, last_draw;
    int    drawn;
    const char *unit;      /* what is counted: "runs" unless set after progress_init */
};

void progress_init(struct progress *p, size_t base, size_t total, int enabled);
/* done counts runs of this invocation; redraws at most 5 times a second unless force. */
void progress_update(struct progress *p, size_t done, int force);
void progress_end(struct progress *p);
/* "1:02:03" / "2:03" for an ETA; buf of at least 16 bytes. */
void progress_format_eta(double seconds, char *buf, size_t len);

#endif

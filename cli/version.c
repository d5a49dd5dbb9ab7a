/* The code version recorded with every result: git commit at build time (+ "-dirty").
 * Generated into build/version.h by the Makefile so a rebuild follows every commit. */
#include "version.h"
#include "cli.h"

const char *ratelab_version(void) { return RATELAB_VERSION; }

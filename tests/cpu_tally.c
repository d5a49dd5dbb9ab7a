/* A CPU-model sink for the calibration tests: adds up the units and nanoseconds the receive model
 * charges per feature (see cpu_tally.h). */
#include "cpu_tally.h"

void cpu_tally_sink(void *ctx, enum cpu_feat k, double units, double ns, double t_ns)
{
    struct cpu_tally *t = ctx;
    (void)t_ns;
    t->units[k] += units;
    t->ns[k] += ns;
}

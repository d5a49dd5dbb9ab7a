/* A CPU-model sink for the calibration tests: adds up what the receive model charges, units and
 * nanoseconds per feature, so a test can compare them with hand-counted wake-ups and deliveries. */
#ifndef TESTS_CPU_TALLY_H
#define TESTS_CPU_TALLY_H

#include "cpu_model.h"

struct cpu_tally { double units[CPUF__N], ns[CPUF__N]; };

/* The model's charge callback (cpu_recv_init's sink) with a struct cpu_tally as ctx. */
void cpu_tally_sink(void *ctx, enum cpu_feat k, double units, double ns, double t_ns);

#endif

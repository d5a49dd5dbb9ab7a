/* libFuzzer's entry point for one target of fuzz/targets.c, chosen when compiling
 * (-DFUZZ_TARGET=fuzz_where); built and run by `make fuzz`. */
#include "fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return FUZZ_TARGET(data, size); }

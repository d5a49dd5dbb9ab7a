/* `ratelab sweep`: placeholder until the subcommand lands.
 * Says so plainly and fails, rather than pretending to work. */
#include <stdio.h>
#include "cli.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ratelab sweep: not implemented yet\n");
    return 1;
}

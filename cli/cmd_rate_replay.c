/* `ratelab rate-replay`: placeholder until the subcommand lands.
 * Says so plainly and fails, rather than pretending to work. */
#include <stdio.h>
#include "cli.h"

int cmd_rate_replay(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ratelab rate-replay: not implemented yet\n");
    return 1;
}

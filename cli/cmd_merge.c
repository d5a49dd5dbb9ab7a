/* `ratelab merge`: placeholder until the subcommand lands.
 * Says so plainly and fails, rather than pretending to work. */
#include <stdio.h>
#include "cli.h"

int cmd_merge(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ratelab merge: not implemented yet\n");
    return 1;
}

/* `ratelab regress`: placeholder until the subcommand lands.
 * Says so plainly and fails, rather than pretending to work. */
#include <stdio.h>
#include "cli.h"

int cmd_regress(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "ratelab regress: not implemented yet\n");
    return 1;
}

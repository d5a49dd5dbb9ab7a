/* The results schema as a C string, executed when ratelab creates a database; the text is
 * analysis/schema.sql itself, turned into a C string by the Makefile (build/schema_sql.h). */
#include "db.h"
#include "schema_sql.h"

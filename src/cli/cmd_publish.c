/*
 * cmd_publish.c - `breakwater publish`: public information as static files.
 */
#include "cli.h"

int cmd_publish(int argc, char **argv) { return cli_usage_error("publish", "not yet"); }

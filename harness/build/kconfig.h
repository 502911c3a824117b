/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Did Kconfig give us what a fragment asked for?  merge_config.sh and
 * olddefconfig silently drop options whose dependencies are not met; a
 * benchmark kernel missing CONFIG_GUP_TEST is worse than a failed build.
 */
#ifndef CB_KCONFIG_H
#define CB_KCONFIG_H

#include <stddef.h>
#include <stdio.h>

/*
 * Compare every request in @fragment ("CONFIG_X=y", "CONFIG_X=\"s\"",
 * "# CONFIG_X is not set") with the final @config.  Each mismatch is
 * printed to @out as "CONFIG_X: wanted y, got unset" prefixed by @origin.
 * Returns the number of mismatches.
 */
int cb_kconfig_check(const char *fragment, const char *config, const char *origin, FILE *out);

#endif

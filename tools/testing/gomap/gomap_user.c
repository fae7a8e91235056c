// SPDX-License-Identifier: GPL-2.0
/*
 * Unity build of the unchanged gomap core against the userspace shims.
 * The Makefile passes -include linux/kconfig.h, -I shim and -I ../../../gomap.
 */
#include <linux/kernel.h>
#include "gomap_overrides.h"

#include "../../../gomap/gomap_table.c"
#include "../../../gomap/gomap_reserve.c"
#include "../../../gomap/gomap_grow.c"
#include "../../../gomap/gomap_lookup.c"
#include "../../../gomap/gomap_core.c"
#include "../../../gomap/gomap_shard.c"
#include "../../../gomap/gomap_iter.c"
#include "../../../gomap/gomap_testhooks.c"

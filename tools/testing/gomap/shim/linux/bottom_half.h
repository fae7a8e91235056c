/* SPDX-License-Identifier: GPL-2.0 */
#include <linux/preempt.h>
#include <linux/irqflags.h>

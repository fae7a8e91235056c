# SPDX-License-Identifier: GPL-2.0
#
# gomap: out-of-tree build plus the developer targets.
#
#   make [KDIR=/path/to/kernel/build]   build gomap.ko (and gomap_kunit.ko where KUnit is on)
#   make check                          the whole test suite (installs and builds what it needs)
#   make demo / make qemu               the demo session / an interactive VM
#   make checkpatch                     the kernel's checkpatch.pl on our C files

KDIR ?= /lib/modules/$(shell uname -r)/build
GOMAP_CACHE ?= /var/cache/gomap
export GOMAP_CACHE
# A full kernel source tree, for checkpatch.pl and kunit.py (headers packages lack them).
KSRC ?= $(GOMAP_CACHE)/src/linux-source-6.1

SRCS := $(wildcard gomap/*.c gomap/*.h)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf gomap/*.o gomap/.*.cmd *.ko *.mod *.mod.c *.o .*.cmd modules.order Module.symvers

check:
	scripts/check.sh

demo:
	scripts/run-vm.sh demo

qemu:
	scripts/run-vm.sh shell

# checkpatch: the one ignore, and why:
#   FILE_PATH_CHANGES - we are not in a kernel tree with a MAINTAINERS file.
CHECKPATCH_IGNORE := FILE_PATH_CHANGES

checkpatch:
	@scripts/ksrc.sh >/dev/null
	@rc=0; for f in $(SRCS); do \
		$(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse --show-types \
			--ignore $(CHECKPATCH_IGNORE) -f $$f || rc=1; \
	done; exit $$rc

.PHONY: all modules clean check demo qemu checkpatch

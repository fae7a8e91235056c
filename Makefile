# SPDX-License-Identifier: GPL-2.0
#
# gomap: out-of-tree build plus the developer targets.
#
#   make [KDIR=/path/to/kernel/build]   build gomap.ko (and gomap_kunit.ko where KUnit is on)
#   make check                          the whole test suite (installs and builds what it needs)
#   make demo / make qemu               the demo session / an interactive VM
#   make bench                          benchmarks against rhashtable and hashtable.h
#   make checkpatch                     the kernel's checkpatch.pl on our C files

KDIR ?= /lib/modules/$(shell uname -r)/build
GOMAP_CACHE ?= /var/cache/gomap
export GOMAP_CACHE
# A full kernel source tree, for checkpatch.pl and kunit.py (headers packages lack them).
KSRC ?= $(GOMAP_CACHE)/src/linux-source-6.1

# Kernel C that checkpatch checks: the module, the bench module, the example client.
SRCS := $(wildcard gomap/*.c gomap/*.h bench/*.c Documentation/example/*.c)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf gomap/*.o gomap/.*.cmd *.ko *.mod *.mod.c *.o .*.cmd modules.order Module.symvers
	rm -rf build/htmldocs build/doctrees compile_commands.json
	rm -rf $(addprefix Documentation/example/,*.o *.ko *.mod *.mod.c .*.cmd modules.order \
		Module.symvers)

check:
	scripts/check.sh

demo:
	scripts/run-vm.sh demo

qemu:
	scripts/run-vm.sh shell

# Benchmarks on a second, non-debug kernel; results in bench/results/.
bench:
	scripts/bench.sh

# checkpatch: the one ignore, and why:
#   FILE_PATH_CHANGES - we are not in a kernel tree with a MAINTAINERS file.
CHECKPATCH_IGNORE := FILE_PATH_CHANGES

checkpatch:
	@scripts/ksrc.sh >/dev/null
	@rc=0; for f in $(SRCS); do \
		$(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse --show-types \
			--ignore $(CHECKPATCH_IGNORE) -f $$f || rc=1; \
	done; exit $$rc

.PHONY: all modules clean check demo qemu bench checkpatch

# ---- Documentation, static checks, installation and packaging ----
#
#   make htmldocs          Documentation/ as HTML in build/htmldocs (Sphinx, -W)
#   make kernel-doc        the kernel's scripts/kernel-doc -none -v on gomap/*.[ch]
#   make sparse            sparse (C=2) and W=1 on every file, fails on a warning in ours
#   make install           modules_install, plus gomap.h and Module.symvers for
#                          client modules (DESTDIR= for staging)
#   make compile_commands.json   for clangd and other editors
#   make dkms-check        dkms.conf, built by DKMS against Debian's linux-headers-amd64

# Where `make install` puts what a client module builds against: the header,
# and this kernel release's Module.symvers (modpost needs our symbols' CRCs).
GOMAP_INCDIR ?= /usr/include/gomap
GOMAP_SYMVERSDIR ?= /usr/src/gomap

# $(call apt_need,PACKAGE...): install the Debian packages not installed yet.
apt_need = bash -c '. scripts/lib.sh && apt_install_missing "$$@"' apt_need $(1)

htmldocs:
	scripts/docs.sh html

kernel-doc:
	scripts/docs.sh kernel-doc

# C=2 runs sparse on every file, built or not, W=1 adds gcc's extra warnings
# (style.md 8.4), and GOMAP_BENCH=1 adds the benchmark module.  Warnings from
# kernel headers are shown but not ours to fix; any warning or error in a file
# of this tree fails the target.
sparse:
	@$(call apt_need,sparse)
	@out=$$($(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 CHECK=sparse GOMAP_BENCH=1 2>&1); rc=$$?; \
	printf '%s\n' "$$out"; \
	[ $$rc -eq 0 ] || exit $$rc; \
	bad=$$(printf '%s\n' "$$out" | grep -E '^$(CURDIR)/[^:]+:[0-9]+:([0-9]+:)? (warning|error):'); \
	if [ -n "$$bad" ]; then echo "sparse: $$(printf '%s\n' "$$bad" | wc -l) warning(s) in gomap"; exit 1; fi

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	install -D -m 644 gomap/gomap.h $(DESTDIR)$(GOMAP_INCDIR)/gomap.h
	install -D -m 644 Module.symvers \
		$(DESTDIR)$(GOMAP_SYMVERSDIR)/$$(cat $(KDIR)/include/config/kernel.release)/Module.symvers

compile_commands.json: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) compile_commands.json

dkms-check:
	scripts/dkms-check.sh

.PHONY: htmldocs kernel-doc sparse install compile_commands.json dkms-check

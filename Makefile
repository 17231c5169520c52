# mpwifi: the user's entry point.
#   make            build the kernel module and the agent
#   make modules-all  the module for every installed kernel with headers (build/modules/<release>/mpwifi.ko)
#   make demo       TCP on the best AP, plain MPTCP and mpwifi in one emulated world, live, then a table and a PNG
#   make check      every test: unit tests (plain and sanitized), VM tests on 6.1 and a subset on 6.12
#   make check-all  make check, then every VM test on 6.12 too
#   make check-debug  every VM test on a 6.1 kernel with KASAN, lockdep, kmemleak (built once, ~1 h; root)
#   make generate   regenerate what derives from the netlink spec include/uapi/linux/mpwifi.yaml
#   make deb        Debian packages mpwifi and mpwifi-dkms (debian/) in build/deb/, checked by lintian
#   make deb-test   make deb, then install them (root), DKMS for each kernel, load each in the VM, remove
# On a laptop: make KDIR=/lib/modules/$(uname -r)/build

# The kernel the test VM boots: Debian's 6.1 image installed by tools/setup.sh.
VM_KVER ?= $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(VM_KVER)/build
# Every installed kernel with headers, for make modules-all.
KRELEASES ?= $(notdir $(patsubst %/build/include/generated/utsrelease.h,%,$(wildcard /lib/modules/*/build/include/generated/utsrelease.h)))
BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= $(shell nproc)
export MPWIFI_VM_KVER := $(VM_KVER)
# Debian 13's kernel (also in Debian 12's bookworm-security): the estimator, ECN, trust and daemon tests on it
# in make check, every test in make check-all.
VM_KVER_612 ?= $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.12\.' | sort -V | tail -n 1)
VM_TESTS_612 ?= test_estimator_inject test_estimator_traffic test_estimator_spoof test_ecn_steering test_trusted \
	test_trusted_leaks test_trusted_limits test_trust_agent test_steering

VM_RUN := tools/vm/run

.PHONY: all setup generate module module-variants modules-all module-clean agent agent-asan unit-tests vm-tests vm-tests-612 check check-all \
	check-debug check-debug-run demo deb deb-test clean

all: module agent

setup:
	@sh tools/setup.sh

# The uapi constants, kernel policies and op table (the kernel's ynl-gen-c.py), the agent's
# attribute tables and README's family tables; committed, and checked by the unit tests.
generate:
	python3 tools/spec/generate.py

# Each kernel's module is built in its own tree, build/modules/<release>/ (symbolic links to the sources, so
# the objects and the generated mptcp_layout.h of one kernel never meet another's), and lands at
# build/modules/<release>/mpwifi.ko.  kernel/mpwifi.ko links to the module of the latest make module.
MODULE_SOURCES = $(filter-out kernel/mptcp_layout.h,$(wildcard kernel/*.c kernel/*.h kernel/*.py)) kernel/Kbuild
release_of = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$(1)/include/generated/utsrelease.h")
# $(2), $(3): a test variant's name and its extra compiler flags, built in build/variants/<name>/<release>/
# and landing at build/modules/<release>/mpwifi-<name>.ko.
define build_module
	set -e; out="$(CURDIR)/build/modules/$(call release_of,$(1))"; \
	tree="$(if $(2),$(CURDIR)/build/variants/$(2)/$(call release_of,$(1)),$$out)"; \
	mkdir -p "$$out" "$$tree/kernel"; find "$$tree/kernel" -maxdepth 1 -type l -delete; \
	ln -sfn "$(CURDIR)/include" "$$tree/include"; ln -sf "$(CURDIR)/Kbuild" "$$tree/Kbuild"; \
	for f in $(MODULE_SOURCES); do ln -sf "$(CURDIR)/$$f" "$$tree/$$f"; done; \
	$(MAKE) -C "$(1)" M="$$tree" $(if $(3),KCFLAGS="$(KCFLAGS) $(3)") modules; \
	ko="$$out/mpwifi$(if $(2),-$(2)).ko"; cp "$$tree/kernel/mpwifi.ko" "$$ko.tmp"; mv "$$ko.tmp" "$$ko"
endef

# Test variants: mpwifi-wrong-layout.ko reads mptcp_data_frag.data_seq at a wrong offset; its load check must
# refuse the trusted scheduler (tests/vm/test_layout_check.py).
TEST_VARIANTS = wrong-layout
variant_flags_wrong-layout = -DMPW_OFF_DFRAG_DATA_SEQ=MPW_OFF_DFRAG_DATA_LEN+8

module:
	+@$(call build_module,$(KDIR))
	@ln -sfn "../build/modules/$(call release_of,$(KDIR))/mpwifi.ko" kernel/mpwifi.ko

module-variants:
	+@$(foreach v,$(TEST_VARIANTS),$(call build_module,$(KDIR),$(v),$(variant_flags_$(v)));)

modules-all:
	+@$(foreach r,$(KRELEASES),$(call build_module,/lib/modules/$(r)/build);)

module-clean:
	rm -rf build/modules kernel/mpwifi.ko
	@# what an in-tree build of older versions left
	rm -f kernel/*.o kernel/.*.cmd kernel/mptcp_layout.h kernel/mpwifi.mod* kernel/modules.order

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(BUILD_ASAN)/CMakeCache.txt:
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DMPWIFI_SANITIZE=ON

agent: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

agent-asan: $(BUILD_ASAN)/CMakeCache.txt
	cmake --build $(BUILD_ASAN) -j $(JOBS)

unit-tests: agent agent-asan
	ctest --test-dir $(BUILD) --output-on-failure
	ctest --test-dir $(BUILD_ASAN) --output-on-failure

vm-tests: module module-variants agent
	tests/vm/run-all

# Both kernels the project supports must build, with no warning.
check: setup
	$(MAKE) modules-all KCFLAGS=-Werror
	@for r in '6.1.*' '6.12.*'; do ls build/modules/$$r/mpwifi.ko >/dev/null 2>&1 || \
		{ echo "check: no module was built for a $$r kernel (headers missing? make setup)" >&2; exit 1; }; done
	$(MAKE) unit-tests
	$(MAKE) vm-tests
	$(MAKE) vm-tests-612

# make check ran VM_TESTS_612 on 6.12 already: the rest of them (test_layout_check needs 6.12's test variant).
check-all: check
	+@$(MAKE) --no-print-directory module-variants KDIR=/lib/modules/$(VM_KVER_612)/build
	tests/vm/run-all --kernel $(VM_KVER_612) --jobs 2 \
		$(filter-out $(addprefix tests/vm/,$(addsuffix .py,$(VM_TESTS_612))),$(wildcard tests/vm/test_*.py))

# Two VMs at once: each guest runs on one host thread.
vm-tests-612: modules-all agent
	@[ -n "$(VM_KVER_612)" ] || { echo "vm-tests-612: no 6.12 kernel installed (make setup)" >&2; exit 1; }
	tests/vm/run-all --kernel $(VM_KVER_612) --jobs 2 $(addprefix tests/vm/,$(addsuffix .py,$(VM_TESTS_612)))

# The VM tests on the debug kernel (tools/debug-kernel/build: built on first use, then cached), where KASAN,
# lockdep, sleep-in-atomic and kmemleak reports fail a test (tests/vm/run-all), with every timeout scaled by
# DEBUG_TIME_SCALE: KASAN and lockdep under emulation run several times slower.  A load/unload cycle takes
# ~25 s there, so test_unload_under_traffic runs DEBUG_UNLOAD_CYCLES of its 100, and test_module_lifecycle
# DEBUG_LIFECYCLE_RELOADS of its 30 reloads under traffic.  DEBUG_JOBS VMs run at once: each guest runs on
# one host thread, so two fit on 2 cores and halve the time.  Not part of make check.
DEBUG_TIME_SCALE ?= 4
DEBUG_JOBS ?= 2
DEBUG_UNLOAD_CYCLES ?= 25
DEBUG_LIFECYCLE_RELOADS ?= 8
check-debug: setup agent
	@release=$$(tools/debug-kernel/build) && \
		$(MAKE) --no-print-directory check-debug-run DEBUG_KVER="$$release"

check-debug-run:
	+@$(call build_module,/lib/modules/$(DEBUG_KVER)/build)
	+@$(MAKE) --no-print-directory module-variants KDIR=/lib/modules/$(DEBUG_KVER)/build
	MPWIFI_TIME_SCALE=$(DEBUG_TIME_SCALE) MPWIFI_UNLOAD_CYCLES=$(DEBUG_UNLOAD_CYCLES) \
		MPWIFI_LIFECYCLE_RELOADS=$(DEBUG_LIFECYCLE_RELOADS) \
		tests/vm/run-all --kernel $(DEBUG_KVER) --jobs $(DEBUG_JOBS)

demo: setup
	$(MAKE) all
	/usr/bin/python3 tools/demo/run

# dpkg-buildpackage leaves its files beside the source tree: they are moved into build/deb/.
DEB_VERSION = $(shell dpkg-parsechangelog -SVersion 2>/dev/null)
deb: setup
	rm -rf build/deb
	dpkg-buildpackage -us -uc -b -j$(JOBS)
	mkdir -p build/deb
	for f in ../mpwifi_$(DEB_VERSION)_*.deb ../mpwifi-dbgsym_$(DEB_VERSION)_*.deb \
		../mpwifi-dkms_$(DEB_VERSION)_all.deb ../mpwifi_$(DEB_VERSION)_*.buildinfo \
		../mpwifi_$(DEB_VERSION)_*.changes; do \
		if [ -e "$$f" ]; then mv -f "$$f" build/deb/; fi; \
	done
	lintian --fail-on error build/deb/mpwifi_$(DEB_VERSION)_*.changes

deb-test: deb
	tests/pkg/deb-install

clean: module-clean
	rm -rf $(BUILD) $(BUILD_ASAN)

# mpwifi: the user's entry point.
#   make            build the kernel module and the agent
#   make demo       boot the emulated WiFi world and watch per-AP packet times live
#   make check      every test: unit tests (plain and sanitized) and VM integration tests
#   make generate   regenerate what derives from the netlink spec include/uapi/linux/mpwifi.yaml
# On a laptop: make KDIR=/lib/modules/$(uname -r)/build

# The kernel the test VM boots: Debian's 6.1 image installed by tools/setup.sh.
VM_KVER ?= $(shell ls /lib/modules 2>/dev/null | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(VM_KVER)/build
BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= $(shell nproc)
export MPWIFI_VM_KVER := $(VM_KVER)

VM_RUN := tools/vm/run

.PHONY: all setup generate module module-clean agent agent-asan unit-tests vm-tests check demo clean

all: module agent

setup:
	@sh tools/setup.sh

# The uapi constants, kernel policies and op table (the kernel's ynl-gen-c.py), the agent's
# attribute tables and README's family tables; committed, and checked by the unit tests.
generate:
	python3 tools/spec/generate.py

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

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

vm-tests: module agent
	tests/vm/run-all

check: setup
	$(MAKE) unit-tests
	$(MAKE) vm-tests

demo: setup
	$(MAKE) all
	$(VM_RUN) --timeout 300 -- tools/demo.sh

clean: module-clean
	rm -rf $(BUILD) $(BUILD_ASAN)

# Thin wrapper over meson for the README's commands.
#   make          build (installs build dependencies when missing)
#   make check    the whole test suite (unit, sanitizer, VM tests)
#   make demo     a demo VM with vunet networking
#   make bench    vunetd against passt with the load generator
BUILD ?= build
BUILD_ASAN ?= build-asan

.PHONY: all deps deps-all build build-asan check demo bench clean

all: build

deps:
	scripts/install-deps build

deps-all:
	scripts/install-deps all

$(BUILD)/build.ninja:
	meson setup $(BUILD)

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

check: deps-all
	$(MAKE) build build-asan
	tests/run.sh

demo: deps-all build
	VUNET_BUILD=$(BUILD) examples/demo.sh

bench: deps-all build
	bench/run.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)

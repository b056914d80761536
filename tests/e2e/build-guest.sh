#!/bin/bash
# Builds (or finds in the cache) the e2e test guest: a Debian kernel and a
# busybox initramfs.  Prints the directory that holds "vmlinuz" and
# "initramfs.gz".
#
# Theory of operation: nothing is downloaded; the guest is made from
# packages installed on this machine (linux-image-amd64 for /boot/vmlinuz-*
# and its modules, busybox-static for the whole userland).  The initramfs
# holds:
#   /init              tests/e2e/guest/init (mounts, modules, eth0, test)
#   /bin/busybox       busybox-static; /init installs the applet links
#   /modules/*.ko      virtio-net and its dependencies, uncompressed
#   /modules/order     their load order, from modprobe --show-depends
#   /tests/*.sh        the guest halves of the e2e tests
#   /lib/e2e.sh        guest/lib.sh: helpers they share, sourced by /init
#   /etc/udhcpc.sh     the DHCP client's event script
#   /bin/<tool>        each guest/*.c, built with gcc -static (test tools
#                      busybox lacks, e.g. e2e-net for UDP); skipped with
#                      a warning when no static C toolchain is there
# It is written with cpio (newc) + gzip, without device nodes, so no root
# is needed; /init mounts devtmpfs before it opens the console.
#
# The result is cached in tests/e2e/.cache/guest-<kernel>-<hash>/, where
# the hash covers everything that goes into the image (this script, the
# guest/ files, busybox, the module files), so editing a guest script
# rebuilds it and nothing else does.  A build goes to a temporary
# directory first and is renamed into place, so a killed build never
# leaves a half-made image behind for the next run.
#
# Usage: build-guest.sh [KERNEL_VERSION]   (default: newest /boot/vmlinuz-*)
# Environment: VUNET_E2E_CACHE overrides the cache directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${VUNET_E2E_CACHE:-$here/.cache}
busybox_bin=/bin/busybox
# The virtio PCI transport and the virtio-net driver: the two roots of the
# module chain the guest needs for a virtio-net-pci NIC.
root_modules="virtio_pci virtio_net"

die() {
	echo "build-guest: $*" >&2
	exit 1
}

newest_kernel_version() {
	local k
	k=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] || return 1
	echo "${k#/boot/vmlinuz-}"
}

# Prints the module files needed, in load order, each once.
module_chain() {
	local version=$1 root
	for root in $root_modules; do
		modprobe --show-depends -S "$version" "$root" |
			awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++'
}

content_hash() {
	local version=$1
	{
		cat "$here/build-guest.sh"
		find "$here/guest" -type f | sort | xargs cat
		sha256sum "$busybox_bin" | cut -d' ' -f1
		module_chain "$version" | xargs sha256sum
		sha256sum "/boot/vmlinuz-$version" | cut -d' ' -f1
	} | sha256sum | cut -c1-16
}

# Copies one module into the image, decompressing it: busybox's insmod
# takes only plain ELF objects.
copy_module() {
	local src=$1 dir=$2 name
	name=$(basename "$src")
	case $src in
	*.ko.xz) xz -dc "$src" > "$dir/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$src" > "$dir/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$src" > "$dir/${name%.gz}"; name=${name%.gz} ;;
	*.ko) cp "$src" "$dir/$name" ;;
	*) die "unexpected module file $src" ;;
	esac
	echo "$name" >> "$dir/order"
}

# Builds each guest/*.c into a static binary in DIR.  A tool that cannot
# be built is left out (the guest test needing it then reports why).
build_tools() {
	local dir=$1 src
	for src in "$here"/guest/*.c; do
		[ -f "$src" ] || continue
		gcc -static -O2 -Wall -o "$dir/$(basename "$src" .c)" "$src" ||
			echo "build-guest: cannot build $src statically; left out" >&2
	done
}

make_root() {
	local version=$1 root=$2 mod
	mkdir -p "$root/bin" "$root/modules" "$root/tests" "$root/etc" "$root/lib"
	cp "$busybox_bin" "$root/bin/busybox"
	install -m 755 "$here/guest/init" "$root/init"
	install -m 755 "$here/guest/udhcpc.sh" "$root/etc/udhcpc.sh"
	cp "$here"/guest/tests/*.sh "$root/tests/"
	cp "$here/guest/lib.sh" "$root/lib/e2e.sh"
	build_tools "$root/bin"
	: > "$root/modules/order"
	for mod in $(module_chain "$version"); do
		copy_module "$mod" "$root/modules"
	done
	[ -s "$root/modules/order" ] || die "no virtio-net modules for kernel $version"
}

build() {
	local version=$1 out=$2 tmp
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	make_root "$version" "$tmp/root"
	(cd "$tmp/root" && find . -print0 | sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9 > "$tmp/initramfs.gz"
	cp "/boot/vmlinuz-$version" "$tmp/vmlinuz"
	chmod 644 "$tmp/vmlinuz" "$tmp/initramfs.gz"
	rm -rf "$tmp/root"
	chmod 755 "$tmp"
	# Another run may have built the same image meanwhile: keep theirs.
	mv -T "$tmp" "$out" 2>/dev/null || rm -rf "$tmp"
	trap - EXIT
}

main() {
	local version=${1:-} out
	[ -n "$version" ] || version=$(newest_kernel_version) ||
		die "no kernel in /boot (install linux-image-amd64)"
	[ -r "/boot/vmlinuz-$version" ] || die "cannot read /boot/vmlinuz-$version"
	[ -x "$busybox_bin" ] || die "no $busybox_bin (install busybox-static)"
	command -v cpio >/dev/null || die "no cpio"
	mkdir -p "$cache"
	out=$cache/guest-$version-$(content_hash "$version")
	[ -f "$out/initramfs.gz" ] || build "$version" "$out"
	echo "$out"
}

main "$@"

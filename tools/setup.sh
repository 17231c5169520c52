#!/bin/sh
# Install every Debian package mpwifi needs to build, test and run its emulated WiFi world.
# Idempotent: packages already present are left alone; apt runs only when something is missing.
set -eu

packages="
build-essential make cmake pkg-config git python3 valgrind
linux-image-amd64 linux-headers-amd64 dkms kmod
linux-image-6.12-amd64 linux-headers-6.12-amd64 zstd xz-utils
qemu-system-x86 busybox-static cpio
libmnl-dev liburing-dev libnl-3-dev libnl-genl-3-dev libboost-program-options-dev libgtest-dev googletest nlohmann-json3-dev
hostapd wpasupplicant udhcpc dnsmasq-base mptcpd mptcpd-plugins iw iproute2 iputils-ping iperf3 mptcpize tcpdump ethtool procps nftables
python3-matplotlib groff-base
debhelper dh-dkms lintian
linux-source-6.12 python3-yaml python3-jsonschema
linux-source-6.1 flex bison bc libelf-dev libssl-dev dwarves
"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages:$missing; run as root (or: sudo $0)" >&2
	exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

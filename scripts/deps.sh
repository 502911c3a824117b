#!/usr/bin/env bash
# Install the Debian 12 packages cowbench needs, only those missing.
# Idempotent: on a machine that has them all it installs nothing.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config git
	# libraries: benchmark runner, JSON, statistics, placement, io_uring pins,
	# tests, artifact hashes
	libbenchmark-dev libjansson-dev libgsl-dev libnuma-dev liburing-dev libcmocka-dev
	libssl-dev
	# reports: plots, and the test that checks index.html renders (PNG decode)
	gnuplot-nox chromium libpng-dev
	# kernels: Debian's 6.12 source and what building it takes
	linux-source-6.12 bc bison flex libelf-dev ccache xz-utils cpio
	# the selftests: make headers_install copies with rsync
	rsync
	# guests
	qemu-system-x86
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "cowbench: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "cowbench: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	}
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/bin/sh
# install-deps.sh - install exactly the Debian packages jobflowd needs.
#
#   scripts/install-deps.sh          install what is missing (idempotent)
#   scripts/install-deps.sh --check  exit 1 if anything is missing
#
# Uses sudo when not root. Only Debian's own archive is used.
set -eu

PKGS="build-essential pkg-config libcurl4-openssl-dev libevent-dev libssl-dev
libcjson-dev libyaml-dev libnanomsg-dev libzstd-dev check clang libclang-rt-14-dev
valgrind cppcheck clang-format curl openssl python3"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ "${1:-}" = "--check" ]; then
	[ -z "$missing" ] && exit 0
	echo "install-deps: missing:$missing" >&2
	exit 1
fi
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
	SUDO="sudo"
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A stale package index makes "apt-get install" fail with 404s; refresh once.
$SUDO apt-get install -y --no-install-recommends $missing ||
	{ $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends $missing; }

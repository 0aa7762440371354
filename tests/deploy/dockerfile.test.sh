#!/bin/bash
# dockerfile.test.sh - deploy/Dockerfile without running docker: two Debian
# bookworm stages; the build stage has every -dev package the build uses
# (scripts/install-deps.sh); every runtime package exists in Debian and
# provides a library the programs load (ldd -> dpkg -S), and the package of
# every library they link directly (readelf NEEDED) is in the runtime stage;
# non-root user matching the
# Deployment's runAsUser; ENTRYPOINT jobflowd.
set -u
SRC=${JF_SRC_DIR:-$(pwd)}
BIN=${JF_BIN_DIR:-$SRC/build/bin}
DF=$SRC/deploy/Dockerfile
fails=0

expect() {
	if [ "$2" == "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		echo "     want: $2"
		echo "     got:  $3"
		fails=$((fails + 1))
	fi
}

# Joins continuation lines, so each instruction is one line.
joined=$(sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$DF" | grep -v '^[[:space:]]*#')

# stage N's text (1-based)
stage() { awk -v n="$1" '/^FROM /{s++} s==n' <<<"$joined"; }
# the packages of `apt-get install` in a stage
pkgs_of() {
	grep -o 'apt-get install [^&]*' <<<"$1" | tr ' ' '\n' |
		grep -v -e '^apt-get$' -e '^install$' -e '^-' -e '^$' | sort -u
}

expect "two stages" 2 "$(grep -c '^FROM ' <<<"$joined")"
expect "build stage base" "FROM debian:bookworm-slim AS build" "$(stage 1 | head -1)"
expect "runtime stage base" "FROM debian:bookworm-slim" "$(stage 2 | head -1)"

build_pkgs=$(pkgs_of "$(stage 1)")
run_pkgs=$(pkgs_of "$(stage 2)")

# the build stage has every -dev package the project builds with
dev_pkgs=$(sed -n '/^PKGS="/,/"$/p' "$SRC/scripts/install-deps.sh" |
	tr ' "' '\n\n' | grep -- '-dev$' | grep -v '^libclang')
missing=""
for p in $dev_pkgs; do
	grep -qx -- "$p" <<<"$build_pkgs" || missing="$missing $p"
done
expect "build stage has the -dev packages of install-deps.sh" "" "$missing"
expect "build stage compiles" 1 "$(stage 1 | grep -c 'make .*build/bin/jobflowd build/bin/jobflow-worker build/bin/jobflowctl')"

# runtime stage: libraries only, each a real bookworm package
expect "runtime packages" "libcjson1 libcurl4 libevent-2.1-7 libnanomsg5 libssl3 libyaml-0-2 libzstd1" \
	"$(tr '\n' ' ' <<<"$run_pkgs" | sed 's/ $//')"
for p in $run_pkgs; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		echo "FAIL $p is not installed here (make deps installs it with its -dev package)"
		fails=$((fails + 1))
	elif command -v apt-cache >/dev/null && [ -n "$(apt-cache policy "$p" 2>/dev/null)" ]; then
		cand=$(apt-cache policy "$p" | awk '/Candidate:/{print $2}')
		if [ -z "$cand" ] || [ "$cand" == "(none)" ]; then
			echo "FAIL $p has no installation candidate"
			fails=$((fails + 1))
		else
			echo "ok   $p ($cand)"
		fi
	else
		echo "ok   $p (installed; no apt lists to query)"
	fi
done

# every library a program needs comes from a runtime package (or libc6,
# which the base image has); every runtime package is needed
progs=""
for b in jobflowd jobflow-worker jobflowctl; do
	[ -x "$BIN/$b" ] && progs="$progs $BIN/$b"
done
if [ -z "$progs" ]; then
	echo "FAIL no program built in $BIN"
	exit 1
fi
echo "     programs:$progs"
# the image ships release binaries: a sanitizer build (make asan) links its
# runtime and is judged by the normal build's run of this suite instead
if nm -D $progs 2>/dev/null | grep -q ' __asan_init'; then
	echo "SKIP linked libraries: instrumented build (checked in the normal build)"
	[ $fails = 0 ] && echo "PASS: Dockerfile checked statically (docker itself is not run here)"
	exit $((fails > 0))
fi
needed_pkgs=""
for b in $progs; do
	for so in $(readelf -d "$b" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		path=$(ldd "$b" | awk -v so="$so" '$1 == so {print $3}')
		real=$(readlink -f "$path")
		pkg=$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1)
		[ -z "$pkg" ] && pkg=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1)
		if [ -z "$pkg" ]; then
			echo "FAIL $(basename "$b"): no package owns $so ($path)"
			fails=$((fails + 1))
			continue
		fi
		needed_pkgs="$needed_pkgs $pkg"
		if [ "$pkg" != libc6 ] && ! grep -qx -- "$pkg" <<<"$run_pkgs"; then
			echo "FAIL $(basename "$b") needs $so from $pkg, not in the runtime stage"
			fails=$((fails + 1))
		fi
	done
done
echo "ok   every NEEDED library is provided:$(tr ' ' '\n' <<<"$needed_pkgs" | sort -u | tr '\n' ' ')"
# each runtime package provides a library in the programs' full closure
# (ldd: direct or through another library)
if [ -x "$BIN/jobflowd" ]; then
	closure=""
	for b in $progs; do
		for path in $(ldd "$b" | awk '$2 == "=>" {print $3}'); do
			closure="$closure $(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)"
		done
	done
	for p in $run_pkgs; do
		if ! tr ' ' '\n' <<<"$closure" | grep -qx -- "$p"; then
			echo "FAIL runtime package $p provides no library the programs load"
			fails=$((fails + 1))
		fi
	done
else
	echo "     (jobflowd not built yet: unused runtime packages not checked)"
fi

# user, binaries, entrypoint
uid=$(sed -n 's/^ *runAsUser: *//p' "$SRC/deploy/deployment.yaml" | head -1)
expect "runs as the Deployment's non-root uid" "USER $uid:$uid" "$(stage 2 | grep '^USER ')"
[ "${uid:-0}" -gt 0 ] || { echo "FAIL runAsUser is not > 0"; fails=$((fails + 1)); }
expect "user created with that uid" 1 "$(stage 2 | grep -c "useradd --uid $uid --gid $uid")"
expect "copies the three programs" "COPY --from=build /src/build/bin/jobflowd /src/build/bin/jobflow-worker /src/build/bin/jobflowctl /usr/local/bin/" \
	"$(stage 2 | grep '^COPY ' | tr -s ' ')"
expect "entrypoint" 'ENTRYPOINT ["/usr/local/bin/jobflowd"]' "$(stage 2 | grep '^ENTRYPOINT')"
expect "no compiler in the runtime stage" "" "$(grep -E -x -e 'build-essential|gcc|make|.*-dev' <<<"$run_pkgs")"
expect "build dir excluded from the context" 1 "$(grep -cx 'build' "$SRC/deploy/Dockerfile.dockerignore")"

if [ "$fails" -ne 0 ]; then
	echo "FAIL: $fails check(s) failed"
	exit 1
fi
echo "PASS: Dockerfile checked statically (docker itself is not run here)"

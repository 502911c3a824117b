#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness's layers, checked by grep (issue 16, item 2):
#   1. only the command layer (main.c, commands.c, cli.c, cmd_*.c)
#      includes cli.h;
#   2. no file outside it calls a function the command layer defines;
#   3. no call cycle between files: the graph "file A calls a function
#      file B defines" has no loop (tsort);
#   4. no include cycle between the headers;
#   5. each stage folder calls only the stages before it (the order of
#      the data flow): lib <- build <- vm; lib <- report; run uses all of
#      those; the commands (harness/*.c) use everything.
# A function is "defined" by a line at column 0 that is not static and
# reads TYPE name(...) without a ';' -- the harness's own style.
# Usage: scripts/check-layers.sh [HARNESS_DIR]; exit 1 on a violation.
set -eu
dir=${1:-"$(dirname "$0")/../harness"}
cd "$dir"
fail=0
is_cmd() { case $1 in main.c|commands.c|cli.c|cmd_*.c) return 0;; esac; return 1; }
# the stage of a file: its folder, or cmd for the command layer at the top
stage() { case $1 in */*) echo "${1%%/*}";; *) echo cmd;; esac; }
# the stages a stage may call
may_call() {
	case $1 in
	lib) echo "lib";;
	build) echo "lib build";;
	vm) echo "lib build vm";;
	report) echo "lib report";;
	run) echo "lib build vm report run";;
	*) echo "lib build vm report run cmd";;
	esac
}
sources=$(find . -name '*.c' | sed 's|^\./||' | LC_ALL=C sort)
headers=$(find . -name '*.h' | sed 's|^\./||' | LC_ALL=C sort)

defs() {	# the non-static functions defined in $1
	grep -E '^[A-Za-z_][A-Za-z0-9_ ]*[ *]+[a-z_][a-z0-9_]*\(' "$1" |
		grep -Ev '^(static|typedef|extern|struct [a-z_]+ \{)' | grep -v ';[[:space:]]*$' |
		sed -E 's/^[^(]*[ *]([a-z_][a-z0-9_]*)\(.*/\1/' | sort -u
}
# calls: the identifiers followed by '(' in a file, comments and strings aside
calls() {
	sed -E 's://.*$::; s:"([^"\\]|\\.)*":"":g' "$1" |
		perl -0pe 's{/\*.*?\*/}{}gs' |
		grep -oE '\b[a-z_][a-z0-9_]*[[:space:]]*\(' | tr -d ' \t(' | sort -u
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in $sources; do
	defs "$f" | sed "s|\$| $f|" >>"$tmp/defs"
done
sort -o "$tmp/defs" "$tmp/defs"

# acyclic FILE WHAT: the graph of "from to" lines in FILE has no loop (tsort)
acyclic() {
	if tsort "$1" >/dev/null 2>"$tmp/tsort"; then
		echo "  no cycle ($(wc -l <"$1") $2)"
	else
		echo "  FAIL: a cycle:"; sed 's/^/    /' "$tmp/tsort"; fail=1
	fi
}

echo "== 1. who includes cli.h"
for f in $sources $headers; do
	grep -q '^#include "cli.h"' "$f" || continue
	if is_cmd "$f"; then
		echo "  ok   $f"
	else
		echo "  FAIL $f (not a command file)"; fail=1
	fi
done

echo "== 2. calls into the command layer from outside it"
for f in $sources; do
	is_cmd "$f" && continue
	calls "$f" | join - "$tmp/defs" | while read -r fn where; do
		is_cmd "$where" || continue
		echo "  FAIL $f calls $fn() (defined in $where)"
		echo x >>"$tmp/bad"
	done
done
if [ -s "$tmp/bad" ]; then fail=1; else echo "  none"; fi

echo "== 3. call graph between files (caller -> callee), cycles"
: >"$tmp/edges"
for f in $sources; do
	calls "$f" | join - "$tmp/defs" | awk -v f="$f" '$2 != f { print f, $2 }' |
		sort -u >>"$tmp/edges"
done
awk '{ printf "  %s -> %s\n", $1, $2 }' "$tmp/edges" | sort -u
acyclic "$tmp/edges" edges

echo "== 4. include graph between headers, cycles"
: >"$tmp/inc"
for h in $headers; do
	sed -nE 's/^#include "([^"/]+\.h)".*/\1/p' "$h" | while read -r i; do
		for j in $headers; do
			[ "${j##*/}" = "$i" ] && echo "$h $j"
		done
	done >>"$tmp/inc" || true
done
acyclic "$tmp/inc" includes

echo "== 5. calls between stages, in the data flow's order"
: >"$tmp/badstage"
while read -r from to; do
	a=$(stage "$from"); b=$(stage "$to")
	case " $(may_call "$a") " in
	*" $b "*) ;;
	*) echo "  FAIL $from ($a) calls into $to ($b)"; echo x >>"$tmp/badstage";;
	esac
done <"$tmp/edges"
if [ -s "$tmp/badstage" ]; then
	fail=1
else
	echo "  ok: $(cut -d' ' -f1 "$tmp/edges" | while read -r f; do stage "$f"; done |
		sort -u | tr '\n' ' ')stages, every call forward"
fi

[ $fail = 0 ] && echo "layers: ok" || echo "layers: VIOLATED"
exit $fail

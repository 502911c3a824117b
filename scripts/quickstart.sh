#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, run the main job.
# The main job: build the default kernel, boot it (KVM if a probe boot proves
# it works, else TCG in deterministic icount mode) once per policy
# variant, run the quick suite, cowbench's probes and the kernel's mm
# selftests inside (5 repetitions in icount mode; under KVM 9, one boot
# each, interleaved across the variants, so the report can tell noise from
# change), then write the report (report.md, index.html with plots,
# email.txt) comparing the policies with upstream's.  Extra arguments go to `cowbench run`
# (e.g. --filter '^fault/').
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
runs=${COWBENCH_RUNS:-datasets/runs}
mkdir -p "$runs"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
./build/cowbench run --quick --suites micro,probes,selftests --out "$runs" "$@" \
	| tee "$log" || status=$?
# The dataset this run wrote, as `run` names it on its last line.
dataset=$(sed -n 's/^dataset: //p' "$log" | tail -n 1)
# A report compares cells: only when the run had two or more (not --host).
cells=0
[ -n "$dataset" ] && [ -f "$dataset/meta.json" ] &&
	cells=$(grep -c '"cell":' "$dataset/meta.json" || true)
# The checked-in baseline's noise floors, measured by perturbation boots of
# this very job, keep single-boot marks honest -- when the job is that job
# (no extra arguments) and the mode is icount; report refuses them otherwise.
floors=()
baseline=datasets/baselines/default-icount-quick.json
if [ "$#" -eq 0 ] && [ -n "$dataset" ] && grep -q '"mode": "icount"' "$dataset/meta.json"; then
	floors=(--floors "$baseline")
fi
if [ "$cells" -ge 2 ] && [ "$status" -ne 130 ]; then
	echo
	./build/cowbench report "${floors[@]}" "$dataset" || status=$?
fi
exit "$status"

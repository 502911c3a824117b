#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, run the main job.
# The main job: build the default kernel, boot it (KVM if a probe boot proves
# it works, else TCG in deterministic icount mode) once per reuse-policy
# variant, run the quick suite, cowbench's probes and the kernel's mm
# selftests inside.  Extra arguments go to `cowbench run`
# (e.g. --host to measure the running kernel, --filter '^fault/').
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
exec ./build/cowbench run --quick --suites micro,probes,selftests "$@"

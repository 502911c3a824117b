#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, run the main job.
# Extra arguments go to `cowbench run` (e.g. --quick, --filter '^fault/').
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
exec ./build/cowbench run --host "$@"

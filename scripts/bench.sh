#!/usr/bin/env bash
# Runs the benchmark table (`swift run -c release coach-bench`), including the Matrix rows, which need a homeserver:
# a local Synapse is started first (scripts/synapse.sh; installed from PyPI on first use) and stopped afterwards.
# COACH_BENCH_ONLY=matrix runs the Matrix rows alone.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/synapse.sh setup
trap 'bash scripts/synapse.sh stop' EXIT
trap 'exit 130' INT TERM
bash scripts/synapse.sh start >/dev/null
synapse_env="$(bash scripts/synapse.sh env)"
eval "$synapse_env"
# The report and export rows, and the many-teams rows, run `coach` itself, release-built beside the benchmark, each
# command in a process of its own (its own peak RSS and CPU).
swift build -c release --product coach
swift run -c release coach-bench "$@"

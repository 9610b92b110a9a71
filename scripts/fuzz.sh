#!/usr/bin/env bash
# Runs the seeded fuzzer over the command parser, each platform's escaping and mass-mention guard, the splitter and
# the engine with its state codec: scripts/fuzz.sh [ITERATIONS] [SEED] (defaults: 1,000,000 and 20261130).
# Not part of the test command. It prints a table of iterations and findings per target, and each finding with the
# flags that replay it alone (--seed S --only I); it exits 1 if there was any.
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-1000000}"
seed="${2:-20261130}"
swift build -c release --product coach-fuzz
.build/release/coach-fuzz --iterations "$iterations" --seed "$seed"

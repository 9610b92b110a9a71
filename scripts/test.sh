#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every test suite.
#
# The Matrix adapter is also tested against a real homeserver: a local Synapse (installed into .synapse/ from PyPI
# on first use, SQLite, 127.0.0.1 only) runs for the length of the tests and is stopped afterwards, whether they
# pass or not. COACH_REQUIRE_SYNAPSE=1 makes those tests fail, rather than skip, if the server is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

bash scripts/synapse.sh setup
trap 'bash scripts/synapse.sh stop' EXIT
trap 'exit 130' INT TERM
bash scripts/synapse.sh start >/dev/null
synapse_env="$(bash scripts/synapse.sh env)"
eval "$synapse_env"
export COACH_REQUIRE_SYNAPSE=1

swift test

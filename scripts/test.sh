#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every test suite.
#
# The Matrix adapter is also tested against a real homeserver: a local Synapse (installed into .synapse/ from PyPI
# on first use, SQLite, 127.0.0.1 only) runs for the length of the tests and is stopped afterwards, whether they
# pass or not. COACH_REQUIRE_SYNAPSE=1 makes those tests fail, rather than skip, if the server is missing. The HTML
# report is also opened in a real browser (chromium, installed from Debian's packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The HTML report's browser check (Tests/CoachReportTests/ReportBrowserTests.swift) opens a report in Debian's
# chromium, headless, and prints it to PDF; it is installed here when missing, as setup.sh installs its package. If it
# cannot be installed (no network, no apt), that check says so and is skipped, and every other test still runs.
if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "test: installing chromium for the report's browser check"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }; then
        echo "test: chromium could not be installed, so the report's browser check will be skipped (it says why)" >&2
    fi
fi
if command -v chromium >/dev/null 2>&1; then
    COACH_CHROMIUM="$(command -v chromium)"
    export COACH_CHROMIUM
    # Installed, so a browser check that cannot run is a failure, not a skip.
    export COACH_REQUIRE_CHROMIUM=1
fi

bash scripts/synapse.sh setup
trap 'bash scripts/synapse.sh stop' EXIT
trap 'exit 130' INT TERM
bash scripts/synapse.sh start >/dev/null
synapse_env="$(bash scripts/synapse.sh env)"
eval "$synapse_env"
export COACH_REQUIRE_SYNAPSE=1

swift test

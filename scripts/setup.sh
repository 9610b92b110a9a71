#!/usr/bin/env bash
# Installs what ServiceCoach needs on a fresh Debian/Ubuntu machine with Swift already installed:
# libcurl4-openssl-dev, which FoundationNetworking's URLSession uses on Linux.
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH. Install Swift 6.1 or later (https://www.swift.org/install/), then run this again." >&2
    exit 1
fi

if ! dpkg -s libcurl4-openssl-dev >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "setup: installing libcurl4-openssl-dev"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcurl4-openssl-dev >/dev/null
fi

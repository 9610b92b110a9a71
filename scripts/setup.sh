#!/usr/bin/env bash
# Installs what ServiceCoach needs on a fresh Debian/Ubuntu machine with Swift already installed:
# libcurl4-openssl-dev, which FoundationNetworking's URLSession uses on Linux, and zlib1g-dev, the zlib headers
# compress-nio builds against (`coach backup` writes its file as a gzip stream).
set -euo pipefail

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH. Install Swift 6.1 or later (https://www.swift.org/install/), then run this again." >&2
    exit 1
fi

missing=()
for package in libcurl4-openssl-dev zlib1g-dev; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then missing+=("$package"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

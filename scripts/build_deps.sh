#!/usr/bin/env bash
# The system libraries the perfwatch binary builds against, installed with apt when missing (Debian/Ubuntu):
# zlib (gzip), libbrotli (the edge's brotli), libvips (image transforms, issue 17), libsnappy (remote write, issue 19). Used by scripts/serve.sh and
# scripts/test.sh, so a fresh machine builds with either.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
missing=()
for package in zlib1g-dev libbrotli-dev libvips-dev libsnappy-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "apt: installing ${missing[*]} (what the build links against)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq -o DPkg::Lock::Timeout=600
    $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
else
    echo "apt: zlib1g-dev, libbrotli-dev, libvips-dev, libsnappy-dev already installed"
fi

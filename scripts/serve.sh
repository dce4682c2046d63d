#!/usr/bin/env bash
# The README's first command: the server on its embedded store (http://127.0.0.1:4318, data in ./perfwatch-data),
# built in release mode, after installing the libraries the build needs when they are missing. Arguments go to
# `perfwatch serve` (e.g. bash scripts/serve.sh --port 9000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/build_deps.sh
exec swift run -c release perfwatch serve "$@"

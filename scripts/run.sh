#!/usr/bin/env bash
# Sets up, builds and serves the embedded default (eu, us, sg in one process)
# on http://127.0.0.1:8080 with data in ./kurz-data. Extra arguments go to
# "kurz serve".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export PATH=$PATH:/usr/local/go/bin
go build -o bin/kurz ./cmd/kurz
exec bin/kurz serve "$@"

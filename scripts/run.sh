#!/usr/bin/env bash
# Sets up, builds and serves the embedded default (eu, us, sg in one process)
# on http://127.0.0.1:8080 with data in ./kurz-data. Extra arguments go to
# "kurz serve".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export PATH=$PATH:/usr/local/go/bin
go build -ldflags "-X kurz/app.Version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)" -o bin/kurz ./cmd/kurz
# The laptop flow rebuilds from source and runs again, so it migrates at
# start; a production node runs "kurz migrate" after a backup instead.
exec bin/kurz serve --migrate "$@"

#!/usr/bin/env bash
# Sets up and runs every test: the whole suite on SQLite, then the
# store-dependent packages again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH=$PATH:/usr/local/go/bin
go vet ./...
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi
echo "== tests (SQLite)"
go test -count=1 -timeout 15m ./...
echo "== tests (PostgreSQL)"
# The same server tests with every region on PostgreSQL. Tests that run
# real processes or pin SQLite (their byte scans need its files) do not
# depend on the store setting; they ran above and are not repeated.
KURZ_TEST_STORE=postgres go test -count=1 -timeout 10m ./app/... \
  -skip 'TestBrowserEndToEnd|TestThreeRegions|TestKillDuringTranscode|TestSIGTERMShutsDownGracefully|TestCrashBetweenUploadAndEnqueue|TestAbandonedUploadsAreCleaned|TestErasure$|TestNoPersonalFieldInPlaintext|TestPersonStaysInHomeRegion|TestResidencyReport'

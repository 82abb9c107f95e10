#!/usr/bin/env bash
# Installs what kurz needs on a Debian machine, skipping what is there.
# Usage: scripts/setup.sh [run|test]
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
# Audio prints of sounds (Chromaprint's fpcalc).
command -v fpcalc >/dev/null || need+=(libchromaprint-tools)
# The font of the downloads' watermark.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ "$mode" = test ]; then
	command -v chromium >/dev/null || need+=(chromium)
	command -v chromedriver >/dev/null || need+=(chromium-driver)
	command -v pg_ctlcluster >/dev/null || need+=(postgresql)
	# The load balancer in front of a region's several nodes.
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
	# The systemd unit in deploy/ is checked by systemd-analyze.
	command -v systemd-analyze >/dev/null || need+=(systemd)
	# The Caddy example in deploy/ is checked by caddy validate.
	command -v caddy >/dev/null || need+=(caddy)
fi
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages: ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
		exit 1
	fi
	echo "installing: ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v go >/dev/null; then
	if [ -x /usr/local/go/bin/go ]; then export PATH=/usr/local/go/bin:$PATH; else
		echo "Go 1.26 or newer is required (https://go.dev/doc/install)" >&2; exit 1; fi
fi
go mod download

if [ "$mode" = test ]; then
	# Go tools the checks and tests run, pinned, installed into GOBIN
	# (~/go/bin by default) when missing or at another version; that folder
	# comes first on PATH here and in scripts/test.sh.
	gobin=$(go env GOBIN)
	if [ -z "$gobin" ]; then gobin=$(go env GOPATH); gobin=${gobin%%:*}/bin; fi
	export PATH=$gobin:$PATH
	go_tool() { # go_tool NAME MODULE-PATH@VERSION
		local have
		if command -v "$1" >/dev/null; then
			have=$(go version -m "$(command -v "$1")" 2>/dev/null | awk '$1 == "mod" {print $3; exit}')
			if [ -z "$have" ] || [ "$have" = "${2##*@}" ]; then return 0; fi
		fi
		echo "installing $2" >&2
		# Outside the module: a tool, not a dependency of kurz.
		(cd / && GOFLAGS= go install "$2")
	}
	go_tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
	go_tool versitygw github.com/versity/versitygw/cmd/versitygw@v1.8.0
	go_tool mailpit github.com/axllent/mailpit@v1.33.1
fi

# Front-end packages (hls.js, tus-js-client), bundled into the binary.
if [ -f web/package.json ]; then
	(cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
fi

if [ "$mode" = test ]; then
	# PostgreSQL for the store tests: start the local cluster and make sure
	# the test role can log in over TCP (trust or this password).
	cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1" "$2}')
	if [ -n "$cluster" ]; then
		pg_ctlcluster $cluster start 2>/dev/null || true
		for i in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
		if [ "$(id -u)" = 0 ]; then
			su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'kurz'\"" >/dev/null 2>&1 || true
			# The PostgreSQL and race passes run side by side, each test
			# with its own databases and pools (a region's pool holds up to
			# 16 connections): the default 100 connections run out.
			conns=$(su postgres -c "psql -tAc 'SHOW max_connections'" 2>/dev/null || echo 0)
			if [ "${conns:-0}" -lt 500 ]; then
				su postgres -c "psql -qc 'ALTER SYSTEM SET max_connections = 500'" >/dev/null 2>&1 &&
					pg_ctlcluster $cluster restart 2>/dev/null || true
				for i in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
			fi
		fi
	fi
fi

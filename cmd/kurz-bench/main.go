// Command kurz-bench runs kurz side by side with the tools an operator would
// pick instead (nginx, tusd, bare ffmpeg) and writes BENCHMARKS.md.
//
//	go run ./cmd/kurz-bench            full mode: 3 rounds A/B/A/B, catalogues of 10k, 100k and 1M
//	go run ./cmd/kurz-bench -quick     CI smoke: 1 round, short runs, 10k and 100k (< 3 minutes)
//	go run ./cmd/kurz-bench -only feed,serve -out /tmp/B.md
//
// Everything runs on 127.0.0.1 in a temporary folder; load is bounded in
// time. The exit status is non-zero only if a benchmark errors (a server
// does not start, a request fails, wrk reports errors), never because a
// number misses its target.
//
// It measures the kurz binary from outside, as an operator runs it: every
// kurz under test is a child process reached over HTTP. The kurz packages
// it imports only seed catalogues straight into a region's SQLite file
// (kurz, cell, sqlite) and build the bare ffmpeg baseline from kurz's own
// ladder (ffmpeg). It must never import app, httpapi or web: a benchmark
// that called the handlers in-process would not measure what is deployed.
package main

import (
	_ "embed"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// analysis is the hand-written "where the time goes" section, appended
// to the report (edit cmd/kurz-bench/analysis.md after a full run).
//
//go:embed analysis.md
var analysis string

// opts are the run's settings, derived from -quick.
type opts struct {
	quick     bool
	rounds    int
	wrkDur    time.Duration
	sizes     []int
	ingestMiB int
	clipSec   float64
	takedowns int
	microTime string
	microCnt  int
}

var (
	o       opts
	workDir string // temp root of this run
	tools   *toolset
	res     = &results{}
)

func main() {
	quick := flag.Bool("quick", false, "CI smoke mode (under 3 minutes)")
	out := flag.String("out", "BENCHMARKS.md", "report to write")
	only := flag.String("only", "", "comma-separated subset: serve,feed,ingest,transcode,takedown,micro,scale,fingerprint,firstframe,startup,sealed,search,reads")
	keep := flag.Bool("keep", false, "keep the temporary folder")
	flag.StringVar(&baselineKurz, "baseline-kurz", "", "startup, feed, reads: a kurz binary (an earlier build) measured beside this build on the same data, round by round")
	flag.StringVar(&feedData, "feed-data", "", "feed: a folder to seed the catalogue into once and reuse on later runs (kept)")
	rounds := flag.Int("rounds", 0, "override the number of A/B rounds")
	sizes := flag.String("sizes", "", "override the catalogue sizes, e.g. 10000,1000000")
	flag.Parse()
	log.SetFlags(log.Ltime)

	o = opts{quick: *quick, rounds: 3, wrkDur: 10 * time.Second, sizes: []int{10_000, 100_000, 1_000_000},
		ingestMiB: 500, clipSec: 30, takedowns: 50, microTime: "1s", microCnt: 3}
	if o.quick {
		o = opts{quick: true, rounds: 1, wrkDur: 3 * time.Second, sizes: []int{10_000, 100_000},
			ingestMiB: 100, clipSec: 6, takedowns: 10, microTime: "20ms", microCnt: 1}
	}
	if *rounds > 0 {
		o.rounds = *rounds
	}
	if *sizes != "" {
		o.sizes = nil
		for _, s := range strings.Split(*sizes, ",") {
			var n int
			fmt.Sscan(s, &n)
			o.sizes = append(o.sizes, n)
		}
	}
	want := func(name string) bool {
		return *only == "" || slices.Contains(strings.Split(*only, ","), name)
	}

	start := time.Now()
	var err error
	workDir, err = os.MkdirTemp("", "kurz-bench-")
	if err != nil {
		log.Fatal(err)
	}
	if !*keep {
		defer os.RemoveAll(workDir)
	}
	defer stopAll()
	tools, err = findTools()
	if err != nil {
		stopAll()
		log.Fatalf("kurz-bench: %v", err)
	}
	res.machine = machineInfo()
	res.mode = "full"
	if o.quick {
		res.mode = "quick"
	}
	res.command = "go run ./cmd/kurz-bench " + strings.Join(os.Args[1:], " ")

	type step struct {
		name string
		fn   func() error
	}
	steps := []step{
		{"transcode", benchTranscode},
		{"serve", benchServing},
		{"ingest", benchIngest},
		{"takedown", benchTakedown},
		{"feed", benchFeed},
		{"micro", benchMicro},
		{"scale", benchScale},
		{"fingerprint", benchFingerprint},
		{"firstframe", benchFirstFrame},
		{"startup", benchStartup},
		{"sealed", benchSealed},
		{"search", benchSearch},
		{"reads", benchReads},
	}
	failed := false
	for _, s := range steps {
		if !want(s.name) || s.name == "reads" && o.quick && *only == "" {
			// reads signs people up (argon2id) and runs 15 loads per
			// round: over a minute even in -quick, so it runs by name.
			continue
		}
		t0 := time.Now()
		log.Printf("== %s", s.name)
		if err := s.fn(); err != nil {
			log.Printf("!! %s: %v", s.name, err)
			res.errors = append(res.errors, fmt.Sprintf("%s: %v", s.name, err))
			failed = true
		}
		stopAll()
		log.Printf("== %s done in %s", s.name, time.Since(t0).Round(time.Second))
	}
	summarizeProfiles()
	res.extra = append([]string{analysis}, res.extra...)
	res.elapsed = time.Since(start)
	if err := os.WriteFile(*out, []byte(res.markdown()), 0o644); err != nil {
		log.Fatal(err)
	}
	abs, _ := filepath.Abs(*out)
	log.Printf("wrote %s in %s (%s mode, GOMAXPROCS %d)", abs, res.elapsed.Round(time.Second), res.mode, runtime.GOMAXPROCS(0))
	if failed {
		stopAll()
		os.Exit(1)
	}
}

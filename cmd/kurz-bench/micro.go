package main

import (
	"context"
	"fmt"
	"log"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// benchMicro runs the Go micro-benchmarks (benchstat-friendly output) and
// a CPU profile of the For You ranking.
func benchMicro() error {
	cnt := fmt.Sprint(o.microCnt)
	hot := "HotRecompute|LoadIndex"
	if o.quick {
		hot = "HotRecompute/^(10000|100000)$|LoadIndex"
	}
	runs := [][]string{
		{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", o.microTime, "-count", cnt, ".", "./keyring", "./httpapi"},
		{"test", "-run", "^$", "-bench", map[bool]string{true: "ForYouRank/^(10000|100000)$|PutVideo", false: "ForYouRank|PutVideo"}[o.quick], "-benchmem", "-benchtime", map[bool]string{true: "20x", false: "300x"}[o.quick], "-count", cnt, "./feed", "./catalog"},
		{"test", "-run", "^$", "-bench", hot, "-benchmem", "-benchtime", "1x", "-count", cnt, "./catalog"},
	}
	var b strings.Builder
	b.WriteString("## Go micro-benchmarks\n\n")
	b.WriteString("benchstat-friendly (`go test -bench` format; pipe into `benchstat`). `HotRecompute` and `LoadIndex` run once per count (`-benchtime 1x`): at 1M one recompute takes seconds.\n\n")
	for _, a := range runs {
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		cmd := exec.CommandContext(ctx, "go", a...)
		cmd.Dir = tools.repo
		out, err := cmd.CombinedOutput()
		cancel()
		fmt.Fprintf(&b, "`go %s` (%s)\n\n```\n", strings.Join(a, " "), time.Since(t0).Round(time.Second))
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "ok") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "---") || strings.HasPrefix(l, "goos") || strings.HasPrefix(l, "cpu") || strings.HasPrefix(l, "pkg") {
				b.WriteString(l + "\n")
			}
		}
		b.WriteString("```\n\n")
		if err != nil {
			res.extra = append(res.extra, b.String())
			return fmt.Errorf("go %s: %v\n%s", strings.Join(a, " "), err, tail(out))
		}
		log.Printf("micro: go %s done", strings.Join(a, " "))
	}
	// CPU profile of the For You ranking at 100k.
	if o.quick {
		res.extra = append(res.extra, b.String())
		return nil
	}
	prof := filepath.Join(workDir, "foryou.cpu")
	a := []string{"test", "-run", "^$", "-bench", "ForYouRank/100000", "-benchtime", map[bool]string{true: "50x", false: "2000x"}[o.quick], "-cpuprofile", prof, "-o", filepath.Join(workDir, "feed.test"), "./feed"}
	cmd := exec.Command("go", a...)
	cmd.Dir = tools.repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(a, " "), err, tail(out))
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount", "18", filepath.Join(workDir, "feed.test"), prof).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pprof: %v\n%s", err, top)
	}
	fmt.Fprintf(&b, "CPU profile of one anonymous For You page over a 100k catalogue (`go %s`, then `go tool pprof -top`; the profile also covers the benchmark's set-up, building the 100k catalogue and its first ranking, which is where `newer`, `insertNewest` and `Hot.func1` come from):\n\n```\n%s```\n\n",
		shortCmd(strings.Join(a, " ")), trimPprof(string(top)))
	res.extra = append(res.extra, b.String())
	return nil
}

func trimPprof(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "File:") || strings.HasPrefix(l, "Build ID") || strings.HasPrefix(l, "Type:") || strings.HasPrefix(l, "Time:") {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// summarizeProfiles turns the perf recordings into a section.
func summarizeProfiles() {
	if len(profiles) == 0 {
		if tools != nil && tools.perf == "" {
			res.extra = append(res.extra, "## CPU profiles of the load runs\n\nperf is not installed; no system profiles.\n")
		}
		return
	}
	var b strings.Builder
	b.WriteString("## CPU profiles of the load runs\n\n`perf record -F 499 -g -p <kurz pid>` during the first round of each kurz run, then `perf report --no-children --sort symbol` (self time, top symbols; kernel symbols included).\n\n")
	b.WriteString("Self time lists where the CPU was when sampled; inclusive time (with callees) shows which kurz functions and subsystems the time was spent under (samples of the whole process, wrk runs on the same cores).\n\n")
	for _, p := range profiles {
		self := perfTop(p.path, false, nil, 16)
		incl := perfTop(p.path, true, func(sym string) bool {
			for _, pre := range []string{"kurz/", "net/http.(*conn).serve", "net/http.(*persistConn)", "database/sql.", "encoding/json.", "runtime.gcBgMarkWorker",
				"runtime.mallocgc", "modernc.org/sqlite.(*conn)", "syscall.Syscall", "internal/poll.(*FD).Write", "internal/poll.(*FD).Read", "os.(*File).Read",
				"net/http.serveContent", "io.copyBuffer", "net.(*TCPConn).ReadFrom", "internal/poll.SendFile", "sort.", "slices.", "hash/fnv", "math.Pow"} {
				if strings.HasPrefix(sym, pre) {
					return true
				}
			}
			return false
		}, 22)
		fmt.Fprintf(&b, "**%s: %s**\n\nself:\n```\n%s\n```\ninclusive (selected):\n```\n%s\n```\n\n", p.kind, p.name, self, incl)
	}
	res.extra = append(res.extra, b.String())
}

// perfTop lists the top symbols of a perf recording, self or inclusive,
// optionally only those keep accepts.
func perfTop(path string, children bool, keep func(string) bool, n int) string {
	mode := "--no-children"
	if children {
		mode = "--children"
	}
	out, err := exec.Command(tools.perf, "report", "-i", path, "--stdio", mode, "--sort", "symbol", "-g", "none", "--percent-limit", "0.5").CombinedOutput()
	if err != nil {
		return "perf report failed: " + err.Error()
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := strings.Fields(t)
		// self:  "12.3%  [.] sym  -  -"; children: "40%  12%  [.] sym"
		i := 0
		for i < len(f) && strings.HasSuffix(f[i], "%") {
			i++
		}
		if i >= len(f)-1 {
			continue
		}
		sym := strings.Join(f[i+1:], " ")
		sym = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(sym, "-")), "-"))
		if keep != nil && !keep(sym) {
			continue
		}
		lines = append(lines, fmt.Sprintf("%-16s %s %s", strings.Join(f[:i], " "), f[i], sym))
		if len(lines) >= n {
			break
		}
	}
	return strings.Join(lines, "\n")
}

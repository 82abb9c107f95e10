package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/replication"
	"kurz/sqlite"
)

// baselineKurz is an earlier kurz binary measured beside this build's in
// the start from the snapshot (-baseline-kurz).
var baselineKurz string

// historyPerVideo is how many log entries each of eu's own videos has:
// published, then counters republished (a like, a view, a comment each
// write a new snapshot of the video to the log).
const historyPerVideo = 3

// benchStartup: start-up of a region with a large catalogue, and its
// public log, before and after compaction and with the catalogue snapshot
// a clean stop writes.
func benchStartup() error {
	const sec = "7. Start-up and log compaction"
	c := newCatalogue(0)
	c.data = filepath.Join(workDir, "startup-data")
	env := []string{"KURZ_LINK_SECRET=" + c.secret}
	addr := freePort()
	args := c.serveArgs()
	serveCmd := "KURZ_LINK_SECRET=… kurz serve --addr " + addr + " " + shortCmd(strings.Join(args, " "))
	// A first start makes the region's databases and keys.
	p, err := startKurz("kurz-startup-init", addr, env, args...)
	if err != nil {
		return err
	}
	p.stop()
	size := o.sizes[len(o.sizes)-1]
	if err := seedStartup(c, size); err != nil {
		return err
	}
	label := fmt.Sprintf("kurz %dk videos", size/1000)
	if size >= 1_000_000 {
		label = fmt.Sprintf("kurz %gM videos", float64(size)/1e6)
	}
	db := filepath.Join(c.data, "eu", "kurz.db")
	snap := filepath.Join(c.data, "eu", replication.SnapshotFile)
	logStats := func(when string) error {
		store, err := sqlite.Open(context.Background(), db)
		if err != nil {
			return err
		}
		defer store.Close()
		var rows, bytes int64
		if err := store.SQL().QueryRow(`SELECT count(*), COALESCE(sum(length(data)), 0) FROM public_log`).Scan(&rows, &bytes); err != nil {
			return err
		}
		record(sec, label, "public log entries, "+when, "entries", "SELECT count(*) FROM public_log", float64(rows))
		record(sec, label, "public log data, "+when, "MiB", "SELECT sum(length(data)) FROM public_log", float64(bytes)/(1<<20))
		return nil
	}
	baseLabel := label + ", baseline build"
	startWith := func(bin, system, metric string) error {
		t0 := time.Now()
		p, err := startBin(bin, "kurz-startup", addr, env, args...)
		if err != nil {
			return err
		}
		record(sec, system, metric, "s", serveCmd, time.Since(t0).Seconds())
		// CPU time the process used until ready: on a busy machine the
		// wall clock says more about the neighbours.
		if cpu, err := procCPU(p.pid()); err == nil {
			record(sec, system, metric+", CPU time of the process", "s", serveCmd, cpu)
		}
		// Time its threads were ready to run but waited for a core.
		if wait, err := procRunQueueWait(p.pid()); err == nil {
			record(sec, system, metric+", waiting for a CPU (run queue, all threads)", "s", "/proc/<pid>/task/*/schedstat", wait)
		}
		if la, err := os.ReadFile("/proc/loadavg"); err == nil {
			var l float64
			fmt.Sscan(string(la), &l)
			record(sec, system, metric+", load average (1 min) meanwhile", "", "/proc/loadavg", l)
		}
		p.stop() // SIGTERM: a clean stop writes the snapshot
		return nil
	}
	startOnce := func(metric string) error { return startWith(tools.kurz, label, metric) }
	if err := logStats("before compaction"); err != nil {
		return err
	}
	// Before: no snapshot and the whole history in the log, the path
	// every start took before snapshots and compaction.
	os.Remove(snap)
	if err := startOnce("start-up to /readyz: no snapshot, log not compacted (the path before)"); err != nil {
		return err
	}
	t0 := time.Now()
	out, err := exec.Command(tools.kurz, "log", "compact", "--region", "eu", "--data", c.data).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kurz log compact: %v: %s", err, out)
	}
	record(sec, label, "kurz log compact", "s", "kurz log compact --region eu --data $T/startup-data", time.Since(t0).Seconds())
	log.Printf("startup: %s", strings.TrimSpace(string(out)))
	if err := logStats("after compaction"); err != nil {
		return err
	}
	os.Remove(snap)
	if err := startOnce("start-up to /readyz: no snapshot, log compacted"); err != nil {
		return err
	}
	const fromSnap = "start-up to /readyz: from the snapshot + log tail"
	for range o.rounds {
		// With a baseline, the two builds take turns on the same data
		// (both write the snapshot they read).
		for _, b := range [][2]string{{baselineKurz, baseLabel}, {tools.kurz, label}} {
			if b[0] == "" {
				continue
			}
			if _, err := os.Stat(snap); err != nil {
				return fmt.Errorf("no catalogue snapshot after a clean stop: %w", err)
			}
			if err := startWith(b[0], b[1], fromSnap); err != nil {
				return err
			}
		}
	}
	if baselineKurz != "" {
		addRatio(sec, "from the snapshot: this build / baseline build, wall", [2]string{label, fromSnap}, [2]string{baseLabel, fromSnap}, "")
		addRatio(sec, "from the snapshot: this build / baseline build, CPU", [2]string{label, fromSnap + ", CPU time of the process"}, [2]string{baseLabel, fromSnap + ", CPU time of the process"}, "")
		note(sec, "The baseline build is `%s`, run in turn with this build on the same data (-baseline-kurz).", baselineKurz)
	}
	note(sec, "Catalogue of %d videos written like the feed benchmark's (a third eu's own, two thirds replicas of us and sg), but each of eu's own videos has %d log entries (published, then counters republished twice), as a long-lived region's log would without compaction. Start-up is measured from exec to the first 200 of /readyz; the process is stopped with SIGTERM in between (a clean stop writes the catalogue snapshot). Reproduce: `go run ./cmd/kurz-bench -only startup -sizes %d`.", size, historyPerVideo, size)
	return nil
}

// seedStartup writes n videos into eu's database through the store:
// eu's own with their log history, the rest as replicas.
func seedStartup(c *catalogue, n int) error {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(c.data, "eu", "kurz.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	t0 := time.Now()
	created := time.Now().UTC()
	err = store.Tx(ctx, func(q kurz.Queries) error {
		for i := range euCreators + replicaCreators {
			r := kurz.Region("eu")
			if i >= euCreators {
				r = []kurz.Region{"us", "sg"}[i%2]
			}
			id := kurz.NewID(r)
			h := fmt.Sprintf("%screator%d", r, i)
			c.creators = append(c.creators, id)
			c.handles[id] = h
			pp := &catalog.PublicProfile{ID: id, Handle: h, DisplayName: h}
			b, _ := json.Marshal(pp)
			if r == "eu" {
				if err := q.CreateProfile(ctx, &kurz.Profile{ID: id, Handle: h, DisplayName: h, CreatedAt: created}); err != nil {
					return err
				}
				if err := q.AppendLog(ctx, &kurz.LogEntry{Kind: cell.LogProfile, ObjectID: id, Data: b, CreatedAt: created}); err != nil {
					return err
				}
			} else if err := q.PutReplica(ctx, "profile", id, b, int64(i+1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	const batch = 5000
	var seqPeer int64 = 1_000_000
	for c.n < n {
		end := min(n, c.n+batch)
		err := store.Tx(ctx, func(q kurz.Queries) error {
			for ; c.n < end; c.n++ {
				i := c.n
				at := created.Add(-time.Duration(c.rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Millisecond)
				views := int64(c.rng.ExpFloat64() * 2000)
				likes := int64(float64(views) * c.rng.Float64() * 0.1)
				tags := c.tags()
				caption := fmt.Sprintf("clip %d #%s", i, strings.Join(tags, " #"))
				var owner string
				if i%3 == 0 {
					owner = c.creators[c.rng.IntN(euCreators)]
				} else {
					owner = c.creators[euCreators+c.rng.IntN(replicaCreators)]
				}
				region, _ := kurz.ParseID(owner)
				pv := &catalog.PublicVideo{ID: kurz.NewID(region), OwnerID: owner, Handle: c.handles[owner], Caption: caption,
					Hashtags: kurz.Hashtags(caption), DurationMS: 15000, Width: 720, Height: 1280, Likes: likes, Views: views, CreatedAt: at}
				if pv.Hashtags == nil {
					pv.Hashtags = []string{}
				}
				if region != "eu" {
					seqPeer++
					data, _ := json.Marshal(pv)
					if err := q.PutReplica(ctx, "video", pv.ID, data, seqPeer); err != nil {
						return err
					}
					continue
				}
				v := &kurz.Video{ID: pv.ID, OwnerID: owner, Status: kurz.StatusReady, Visibility: kurz.Public, Caption: caption,
					DurationMS: 15000, Width: 720, Height: 1280, Renditions: "[]", UploadSize: 1 << 20, JobGen: 1,
					Likes: likes, Views: views, CreatedAt: at, UpdatedAt: at}
				if err := q.CreateVideo(ctx, v); err != nil {
					return err
				}
				if err := q.SetHashtags(ctx, v.ID, pv.Hashtags, at); err != nil {
					return err
				}
				for h := range historyPerVideo {
					pv.Views, pv.Likes = views-int64(historyPerVideo-1-h), likes
					data, _ := json.Marshal(pv)
					if err := q.AppendLog(ctx, &kurz.LogEntry{Kind: cell.LogVideo, ObjectID: v.ID, Data: data, CreatedAt: at}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	log.Printf("startup: seeded %d videos in %s", n, time.Since(t0).Round(time.Second))
	return nil
}

// procRunQueueWait is how long the threads of a process have been ready
// to run but waiting for a core, summed over its threads, in seconds
// (the second field of each thread's schedstat).
func procRunQueueWait(pid int) (float64, error) {
	paths, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(paths) == 0 {
		return 0, fmt.Errorf("no schedstat for %d", pid)
	}
	var ns int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // the thread ended
		}
		var run, wait int64
		fmt.Sscan(string(b), &run, &wait)
		ns += wait
	}
	return float64(ns) / 1e9, nil
}

// settle waits until a started kurz has done the work it starts in the
// background once it serves (the search index's first build: a minute
// or more at a million videos on a loaded machine): until its CPU use
// stays under a tenth of a core for two seconds, at most limit. Measured
// rounds then start from the steady state, as nginx's do. It returns how
// long it waited.
func settle(pid int, limit time.Duration) time.Duration {
	t0 := time.Now()
	quiet := 0
	last, _ := procCPU(pid)
	for quiet < 4 && time.Since(t0) < limit {
		time.Sleep(500 * time.Millisecond)
		now, err := procCPU(pid)
		if err != nil {
			break
		}
		if now-last < 0.05 { // under 0.1 core over the half second
			quiet++
		} else {
			quiet = 0
		}
		last = now
	}
	return time.Since(t0)
}

// procCPU is the user plus system CPU time a process has used, in seconds.
func procCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat")
	}
	var ut, st float64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return (ut + st) / 100, nil // clock ticks: 100 a second on Linux
}

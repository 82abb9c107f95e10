package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kurz"
	"kurz/catalog"
	"kurz/postgres"
)

// benchScale measures a region on PostgreSQL and object storage: segment
// serving from the bucket (streamed through kurz and redirected to a
// presigned URL) against the folder store, and the anonymous feed on one
// API node against two behind nginx, with the CPU each request costs.
func benchScale() error {
	const secM = "9. Scale-out: media from object storage (64 connections)"
	const secF = "10. Scale-out: feed on 1 vs 2 API nodes behind nginx (64 connections)"
	gw, err := lookPath("versitygw")
	if err != nil {
		return fmt.Errorf("versitygw: %w (scripts/setup.sh test installs it)", err)
	}
	s3root := filepath.Join(workDir, "s3")
	if err := os.MkdirAll(filepath.Join(s3root, "media-eu"), 0o700); err != nil {
		return err
	}
	s3addr := freePort()
	if _, err := start("versitygw", nil, gw, "--access", "benchkey", "--secret", "benchsecret0123456789", "--port", s3addr, "posix", s3root); err != nil {
		return err
	}
	env := []string{"AWS_ACCESS_KEY_ID=benchkey", "AWS_SECRET_ACCESS_KEY=benchsecret0123456789"}
	dsn, err := benchDatabase()
	if err != nil {
		return err
	}
	keyDSN, err := benchDatabase()
	if err != nil {
		return err
	}
	if err := seedReplicas(dsn, map[bool]int{true: 2_000, false: 10_000}[o.quick]); err != nil {
		return err
	}
	secret := base64.StdEncoding.EncodeToString([]byte("the scale-out benchmark's link secret"))
	kek := make([]byte, 32)
	rand.Read(kek)
	addr := map[string]string{"a": freePort(), "b": freePort(), "lb": freePort(), "ussg": freePort()}
	ussg, err := startKurz("kurz-us-sg", addr["ussg"], nil, "--regions", "us,sg", "--directory", "eu", "--link-secret", secret,
		"--data", filepath.Join(workDir, "scale-ussg"), "--peer", "eu=http://"+addr["lb"], "--signups-per-ip", "100000", "--trusted-proxy", "127.0.0.1/32")
	if err != nil {
		return err
	}
	defer ussg.stop()
	euArgs := func(node string, extra ...string) []string {
		return append([]string{"--regions", "eu", "--directory", "eu", "--link-secret", secret, "--migrate",
			"--db", "eu=" + dsn, "--key-db", "eu=" + keyDSN, "--kek", "eu=" + base64.StdEncoding.EncodeToString(kek),
			"--blobs", "eu=s3://media-eu/eu?endpoint=http://" + s3addr, "--peer", "us=http://" + addr["ussg"], "--peer", "sg=http://" + addr["ussg"],
			"--data", filepath.Join(workDir, "scale-"+node), "--node-id", node, "--signups-per-ip", "100000", "--trusted-proxy", "127.0.0.1/32"}, extra...)
	}
	a, err := startKurz("kurz-node-a", addr["a"], env, euArgs("a")...)
	if err != nil {
		return err
	}
	defer a.stop()
	b, err := startKurz("kurz-node-b", addr["b"], env, euArgs("b", "--no-jobs", "--media-redirect")...)
	if err != nil {
		return err
	}
	defer b.stop()

	// The balancer is eu's address for the other regions.
	ng, err := startNginxProxy(addr["lb"], []string{addr["a"], addr["b"]},
		`location / { proxy_pass http://kurz_eu; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $http_host; }`)
	if err != nil {
		return err
	}
	defer ng.stop()

	// One clip in eu (bucket, transcoded by node a) and one in us (folder).
	clip := filepath.Join(workDir, "scale-clip.mp4")
	if _, err := makeClip(clip, 1080, 1920, 4); err != nil {
		return err
	}
	ids := map[string]string{}
	for region, base := range map[string]string{"eu": "http://" + addr["a"], "us": "http://" + addr["ussg"]} {
		country := map[string]string{"eu": "DE", "us": "US"}[region]
		u, err := signUpLogin(base, "scale"+region, country, "198.51.100.77")
		if err != nil {
			return err
		}
		up, err := tusUpload(base+"/api/v1/uploads/", u.Token, clip, map[string]string{"caption": "scale #bench"}, 8<<20)
		if err != nil {
			return err
		}
		v, err := waitVideo(base, u.Token, up.VideoID, 100*time.Millisecond, 5*time.Minute)
		if err != nil {
			return err
		}
		if v.Status != "ready" {
			return fmt.Errorf("%s clip ended %s: %s", region, v.Status, v.Error)
		}
		ids[region] = v.ID
	}
	seg := "/v0/seg_00000.ts"
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get("http://" + addr["b"] + "/media/" + ids["eu"] + seg)
	if err != nil {
		return err
	}
	resp.Body.Close()
	presigned := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || presigned == "" {
		return fmt.Errorf("media redirect: %d", resp.StatusCode)
	}
	for round := 0; round < o.rounds; round++ {
		for _, c := range []struct{ system, url string }{
			{"kurz, folder store (us)", "http://" + addr["ussg"] + "/media/" + ids["us"] + seg},
			{"kurz, object store, streamed", "http://" + addr["a"] + "/media/" + ids["eu"] + seg},
			{"kurz, object store, redirect answers", "http://" + addr["b"] + "/media/" + ids["eu"] + seg},
			{"S3 server, presigned URL", presigned},
		} {
			r, err := runWrk(c.url, o.wrkDur, "", 0, "")
			if err != nil {
				return err
			}
			record(secM, c.system, "segment: requests/s", "req/s", shortCmd(r.cmd), r.rps)
			record(secM, c.system, "segment: p99", "ms", shortCmd(r.cmd), r.p99)
		}
	}
	addRatio(secM, "object store streamed / folder store, requests/s", [2]string{"kurz, object store, streamed", "segment: requests/s"},
		[2]string{"kurz, folder store (us)", "segment: requests/s"}, "")
	addRatio(secM, "redirect answers / folder store, requests/s", [2]string{"kurz, object store, redirect answers", "segment: requests/s"},
		[2]string{"kurz, folder store (us)", "segment: requests/s"}, "")
	note(secM, "The eu region keeps media in a bucket of a local versitygw (`--blobs eu=s3://…`); the us region of another process keeps the same clip in its folder. Streamed: kurz reads the object with ranged GETs and copies it to the client. Redirected (`--media-redirect`): kurz answers 302 to a presigned URL, and the segment bytes then come from the S3 server (its own row), or from a CDN in front of it.")

	// Feed: node a alone, then nginx over a and b.
	feed := "/api/v1/feed?kind=foryou"
	for round := 0; round < o.rounds; round++ {
		for _, c := range []struct {
			system string
			url    string
			pids   []int
		}{
			{"1 API node", "http://" + addr["a"] + feed, []int{a.pid()}},
			{"2 API nodes behind nginx", "http://" + addr["lb"] + feed, []int{a.pid(), b.pid(), ng.pid()}},
		} {
			before := cpuTicks(c.pids...)
			r, err := runWrk(c.url, o.wrkDur, "", 0, "")
			if err != nil {
				return err
			}
			used := float64(cpuTicks(c.pids...)-before) / 100 // seconds (USER_HZ 100)
			record(secF, c.system, "feed: requests/s", "req/s", shortCmd(r.cmd), r.rps)
			record(secF, c.system, "feed: p99", "ms", shortCmd(r.cmd), r.p99)
			if r.requests > 0 {
				record(secF, c.system, "feed: CPU per request (servers and balancer)", "ms", shortCmd(r.cmd), used*1000/float64(r.requests))
			}
		}
	}
	addRatio(secF, "2 nodes / 1 node, requests/s", [2]string{"2 API nodes behind nginx", "feed: requests/s"}, [2]string{"1 API node", "feed: requests/s"}, "≥ 1.6× not expected on 2 cores")
	note(secF, "Both nodes serve eu from one PostgreSQL database and one bucket; the catalogue (replicas of us and sg videos seeded into the database) is in each node's memory, so the anonymous For You page touches no database. On this 2-core machine two nodes, nginx and wrk share the same cores as one node and wrk do, so the ratio measures overhead (the balancer's hop and a second Go runtime), not added capacity; CAPACITY.md uses the CPU per request instead.")
	log.Printf("scale: done")
	return nil
}

// benchDatabase makes an empty PostgreSQL database on the local server.
func benchDatabase() (string, error) {
	admin := os.Getenv("KURZ_TEST_POSTGRES")
	if admin == "" {
		admin = "postgres://postgres:kurz@127.0.0.1:5432/postgres?sslmode=disable"
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "kurz_bench_" + hex.EncodeToString(b)
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		return "", fmt.Errorf("PostgreSQL at %s (pg_ctlcluster 15 main start): %w", admin, err)
	}
	cleanups = append(cleanups, func() {
		db, _ := sql.Open("pgx", admin)
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	})
	return strings.Replace(admin, "/postgres?", "/"+name+"?", 1), nil
}

// seedReplicas writes n replicated us videos into eu's database, as the
// log follower would, so every node's catalogue starts with them.
func seedReplicas(dsn string, n int) error {
	ctx := context.Background()
	store, err := postgres.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	owners := make([]string, 200)
	for i := range owners {
		owners[i] = kurz.NewID("us")
	}
	now := time.Now().UTC()
	return store.Tx(ctx, func(q kurz.Queries) error {
		for i := 0; i < n; i++ {
			pv := &catalog.PublicVideo{ID: kurz.NewID("us"), OwnerID: owners[i%len(owners)], Handle: "creator" + strconv.Itoa(i%len(owners)),
				Caption: "clip #bench", Hashtags: []string{"bench"}, DurationMS: 15000, Width: 720, Height: 1280,
				Views: int64(i % 5000), Likes: int64(i % 300), CreatedAt: now.Add(-time.Duration(i) * time.Minute)}
			data, _ := json.Marshal(pv)
			if err := q.PutReplica(ctx, "video", pv.ID, data, int64(i+1)); err != nil {
				return err
			}
		}
		return nil
	})
}

// cpuTicks sums the user and system CPU ticks of processes.
func cpuTicks(pids ...int) int64 {
	var sum int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			sum += u + s
		}
	}
	return sum
}

// startNginxProxy balances addr over upstreams.
func startNginxProxy(addr string, upstreams []string, location string) (*proc, error) {
	var up strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&up, "server %s; ", u)
	}
	return startNginxConf(addr, fmt.Sprintf("upstream kurz_eu { %s keepalive 64; }\n  server {\n    listen %s;\n    %s\n  }", up.String(), addr, location))
}

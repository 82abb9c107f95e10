package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"kurz"
	"kurz/catalog"
	"kurz/cell"
	"kurz/replication"
	"kurz/sqlite"
)

// The synthetic catalogue: videos spread over the three regions (a third
// owned by eu, the region under test, written like publish writes them;
// two thirds replicated from us and sg, written like the log follower
// stores them), creators, and viewers with watch histories, likes and
// follows.
const (
	euCreators      = 50
	replicaCreators = 950
	tagPool         = 20000
	trendingTags    = 20
	viewsPerViewer  = 300
	likesPerViewer  = 50
	followsPerView  = 20
)

type catalogue struct {
	data, secret string
	peerAddr     map[string]string
	viewers      []*account
	creators     []string // profile IDs, eu first
	handles      map[string]string
	n            int // videos written so far
	rng          *mrand.Rand
	viewersN     int
	followed     bool
}

// serveArgs are the flags of the region under test: eu alone, its peers
// named (so countries of us and sg are known) but not running.
func (c *catalogue) serveArgs() []string { return c.regionArgs("eu") }

func (c *catalogue) regionArgs(r string) []string {
	data := c.data
	if r != "eu" {
		data = filepath.Join(workDir, "feed-peer-"+r)
	}
	a := []string{"--regions", r, "--data", data, "--directory", "eu", "--trusted-proxy", "127.0.0.1/32", "--signups-per-ip", "100000"}
	for _, p := range []string{"eu", "us", "sg"} {
		if p != r {
			addr := c.peerAddr[p]
			a = append(a, "--peer", p+"=http://"+addr)
		}
	}
	return a
}

// signUpAll signs the viewers up at base. Sign-up asks every region
// (handles, emails): eu, us and sg run while people sign up, and stop
// after; the measured runs have eu alone.
func (c *catalogue) signUpAll(step, base string, env []string) error {
	var ps []*proc
	defer func() {
		for _, p := range ps {
			p.stop()
		}
	}()
	for _, r := range []string{"us", "sg", "eu"} {
		p, err := startKurz("kurz-"+step+"-people-"+r, c.peerAddr[r], env, c.regionArgs(r)...)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	return c.people(base)
}

func newCatalogue(viewers int) *catalogue {
	raw := make([]byte, 32)
	rand.Read(raw)
	return &catalogue{data: filepath.Join(workDir, "feed-data"), secret: base64.StdEncoding.EncodeToString(raw),
		peerAddr: map[string]string{"us": freePort(), "sg": freePort()},
		handles:  map[string]string{}, rng: mrand.New(mrand.NewPCG(1, 2)), viewersN: viewers}
}

// people signs up creators and viewers through the API of a running
// region (which trusts 127.0.0.1 as a proxy, so each login has its own IP),
// and invents the us and sg creators whose videos arrive as replicas.
func (c *catalogue) people(base string) error {
	// Sign-ups and logins run argon2id: two at a time (2 cores).
	creators := make([]*account, euCreators)
	viewers := make([]*account, c.viewersN)
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan func() error)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for j := range jobs {
				if err := j(); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range creators {
		jobs <- func() (err error) {
			creators[i], err = signUpNoLogin(base, fmt.Sprintf("creator%d", i), fmt.Sprintf("192.0.2.%d", i%250+1))
			return err
		}
	}
	for i := range viewers {
		jobs <- func() (err error) {
			viewers[i], err = signUpLogin(base, fmt.Sprintf("viewer%d", i), "DE", fmt.Sprintf("203.0.113.%d", i%250+1))
			return err
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	for _, a := range creators {
		c.creators = append(c.creators, a.ID)
		c.handles[a.ID] = a.Handle
	}
	for i := 0; i < replicaCreators; i++ {
		r := kurz.Region("us")
		if i%2 == 1 {
			r = "sg"
		}
		id := kurz.NewID(r)
		c.creators = append(c.creators, id)
		c.handles[id] = fmt.Sprintf("%screator%d", r, i)
	}
	c.viewers = viewers
	return nil
}

func signUpNoLogin(base, handle, ip string) (*account, error) {
	a := &account{}
	if _, err := call(base, "POST", "/api/v1/accounts", "", map[string]string{"handle": handle, "email": handle + "@bench.example.org",
		"password": password, "birth_date": "1990-01-01", "country": "DE"}, a, "X-Forwarded-For", ip); err != nil {
		return nil, fmt.Errorf("sign-up %s: %w", handle, err)
	}
	return a, nil
}

func (c *catalogue) tags() []string {
	n := 1 + c.rng.IntN(2)
	var out []string
	for range n {
		if c.rng.Float64() < 0.3 {
			out = append(out, fmt.Sprintf("trend%d", c.rng.IntN(trendingTags)))
		} else {
			out = append(out, fmt.Sprintf("t%d", c.rng.IntN(tagPool)))
		}
	}
	return out
}

// grow writes videos until the catalogue holds n, through the store layer
// in batched transactions; then the viewers' histories.
func (c *catalogue) grow(n int) error {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(c.data, "eu", "kurz.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	t0 := time.Now()
	first := c.n
	if first == 0 {
		// Replicated profiles of us and sg creators.
		err := store.Tx(ctx, func(q kurz.Queries) error {
			for i, id := range c.creators[euCreators:] {
				b, _ := json.Marshal(&catalog.PublicProfile{ID: id, Handle: c.handles[id], DisplayName: c.handles[id]})
				if err := q.PutReplica(ctx, "profile", id, b, int64(i+1)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	now := time.Now().UTC()
	const batch = 5000
	var seqUS, seqSG int64 = int64(c.n + 1_000_000), int64(c.n + 1_000_000)
	for c.n < n {
		end := min(n, c.n+batch)
		err := store.Tx(ctx, func(q kurz.Queries) error {
			for ; c.n < end; c.n++ {
				i := c.n
				// Created at random over the last 30 days (peers' logs interleave).
				created := now.Add(-time.Duration(c.rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Millisecond)
				views := int64(c.rng.ExpFloat64() * 2000)
				likes := int64(float64(views) * c.rng.Float64() * 0.1)
				comments := int64(float64(likes) * c.rng.Float64() * 0.2)
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
					Hashtags: kurz.Hashtags(caption), DurationMS: 15000, Width: 720, Height: 1280, Likes: likes, Comments: comments,
					Views: views, CreatedAt: created}
				if pv.Hashtags == nil {
					pv.Hashtags = []string{}
				}
				data, _ := json.Marshal(pv)
				if region == "eu" {
					// What processVideo + syncVideoLog write for a published video.
					v := &kurz.Video{ID: pv.ID, OwnerID: owner, Status: kurz.StatusReady, Visibility: kurz.Public, Caption: caption,
						DurationMS: 15000, Width: 720, Height: 1280, Renditions: "[]", UploadSize: 1 << 20, JobGen: 1,
						Likes: likes, Comments: comments, Views: views, CreatedAt: created, UpdatedAt: created}
					if err := q.CreateVideo(ctx, v); err != nil {
						return err
					}
					if err := q.SetHashtags(ctx, v.ID, pv.Hashtags, created); err != nil {
						return err
					}
					if err := q.AppendLog(ctx, &kurz.LogEntry{Kind: cell.LogVideo, ObjectID: v.ID, Data: data, CreatedAt: created}); err != nil {
						return err
					}
				} else {
					// What the log follower stores for a peer's video.
					seq := &seqUS
					if region == "sg" {
						seq = &seqSG
					}
					*seq++
					if err := q.PutReplica(ctx, "video", pv.ID, data, *seq); err != nil {
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
	log.Printf("feed: catalogue %d → %d videos in %s", first, n, time.Since(t0).Round(time.Millisecond))
	return nil
}

// histories gives every viewer views, likes and follows (through the
// store, like RecordView/SetLike/SetFollow write them in the home region;
// the counter deltas they would send are left out).
func (c *catalogue) followOnce() int {
	if c.followed {
		return 0
	}
	return 1
}

func (c *catalogue) histories(sample func() string) error {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(c.data, "eu", "kurz.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now().UTC()
	day := now.Unix() / 86400
	return store.Tx(ctx, func(q kurz.Queries) error {
		for _, v := range c.viewers {
			for range viewsPerViewer {
				if _, err := q.AddView(ctx, v.ID, sample(), day-int64(c.rng.IntN(20)), now); err != nil {
					return err
				}
			}
			for range likesPerViewer {
				if _, err := q.AddLike(ctx, v.ID, sample(), now); err != nil {
					return err
				}
			}
			for range followsPerView * c.followOnce() {
				if _, err := q.AddFollow(ctx, v.ID, c.creators[c.rng.IntN(len(c.creators))], now); err != nil {
					return err
				}
			}
		}
		c.followed = true
		return nil
	})
}

// benchFeed: For You at 64 concurrent signed-in viewers over growing
// catalogues, vs nginx serving a static body of the same size.
func benchFeed() error {
	const sec = "2. For You feed (64 connections, signed-in viewers)"
	const memSec = "6. Memory"
	viewers := 64
	c := newCatalogue(viewers)
	state := &feedState{}
	resumed := false
	if feedData != "" {
		c.data = feedData
		state, resumed = c.loadState()
		if !resumed {
			state = &feedState{}
		}
	}
	env := []string{"KURZ_LINK_SECRET=" + c.secret}
	kAddr, nAddr := freePort(), freePort()
	// kurz writes no request log line while measured, as nginx runs with
	// access_log off.
	quiet := append(c.serveArgs(), "--log-level", "warn")
	serveCmd := "KURZ_LINK_SECRET=… kurz serve --addr " + kAddr + " " + shortCmd(strings.Join(quiet, " "))
	base := "http://" + kAddr
	c.peerAddr["eu"] = kAddr
	if !resumed {
		if err := c.signUpAll("feed", base, env); err != nil {
			return err
		}
	}
	var firstSize int
	for si, size := range o.sizes {
		before := c.n
		if err := c.grow(size); err != nil {
			return err
		}
		if feedData != "" {
			if err := c.saveState(state, 0); err != nil {
				return err
			}
		}
		if c.n > before {
			// The replicas were written behind the region's back (not by
			// its follower, whose log positions a snapshot checks): a
			// snapshot of an earlier start would hide them.
			os.Remove(filepath.Join(c.data, "eu", replication.SnapshotFile))
		}
		t0 := time.Now()
		p, err := startKurz(fmt.Sprintf("kurz-feed-%d", size), kAddr, env, quiet...)
		if err != nil {
			return err
		}
		load := time.Since(t0).Seconds()
		rssLoaded := vmHWM(p.pid())
		// Histories sample the current For You candidates (anonymous
		// pages), so the per-viewer "seen" filter has work to do. Written
		// through the store by this process while kurz runs (SQLite WAL).
		t1 := time.Now()
		var hotIDs []string
		for cur := ""; len(hotIDs) < 1000; {
			var page struct {
				Items []struct{ ID string } `json:"items"`
				Next  string                `json:"next_cursor"`
			}
			if _, err := call(base, "GET", "/api/v1/feed?kind=foryou&cursor="+cur, "", nil, &page); err != nil {
				return err
			}
			for _, it := range page.Items {
				hotIDs = append(hotIDs, it.ID)
			}
			if page.Next == "" {
				break
			}
			cur = page.Next
		}
		firstReq := time.Since(t1).Seconds() // dominated by the first page, which ranks the catalogue
		if len(hotIDs) == 0 {
			return fmt.Errorf("the For You feed is empty at %d videos", size)
		}
		if !slices.Contains(state.Histories, size) {
			if err := c.histories(func() string { return hotIDs[c.rng.IntN(len(hotIDs))] }); err != nil {
				return err
			}
			if feedData != "" {
				if err := c.saveState(state, size); err != nil {
					return err
				}
			}
		}
		label := fmt.Sprintf("%dk videos", size/1000)
		if size >= 1_000_000 {
			label = fmt.Sprintf("%gM videos", float64(size)/1e6)
		}
		var body []byte
		{
			req, _ := http.NewRequest("GET", base+"/api/v1/feed?kind=foryou", nil)
			req.Header.Set("Authorization", "Bearer "+c.viewers[0].Token)
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("feed: %d %s", resp.StatusCode, body)
			}
		}
		var check struct{ Items []json.RawMessage }
		if json.Unmarshal(body, &check) != nil || len(check.Items) == 0 {
			return fmt.Errorf("feed at %d videos returned no items: %s", size, body)
		}
		static := filepath.Join(workDir, "feed-static")
		os.MkdirAll(static, 0o755)
		if err := os.WriteFile(filepath.Join(static, "feed.json"), body, 0o644); err != nil {
			return err
		}
		script := filepath.Join(workDir, "feed.lua")
		if err := os.WriteFile(script, []byte(luaTokens(c.viewers)), 0o644); err != nil {
			return err
		}
		baseLabel := "kurz " + label + ", baseline build"
		if baselineKurz != "" {
			p.stop() // the builds take turns, each started afresh (from the snapshot the last stop wrote)
			p = nil
		}
		for round := 0; round < o.rounds; round++ {
			for _, b := range [][2]string{{baselineKurz, baseLabel}, {tools.kurz, "kurz " + label}} {
				if b[0] == "" || (b[0] == tools.kurz && p != nil) {
					continue
				}
				t0 := time.Now()
				q, err := startBin(b[0], "kurz-feed-ab", kAddr, env, quiet...)
				if err != nil {
					return err
				}
				record(sec, b[1], "start-up (catalogue load, to /readyz)", "s", serveCmd, time.Since(t0).Seconds())
				record(memSec, "kurz serve --regions eu, "+strings.TrimPrefix(b[1], "kurz "), "VmHWM after catalogue load", "MiB", serveCmd, float64(vmHWM(q.pid()))/(1<<20))
				record(sec, b[1], "background start-up work after /readyz (waited for before measuring)", "s", "CPU of the process under 0.1 core for 2 s", settle(q.pid(), 5*time.Minute).Seconds())
				// The first page ranks the catalogue (not measured).
				if _, err := call(base, "GET", "/api/v1/feed?kind=foryou", c.viewers[0].Token, nil, nil); err != nil {
					q.stop()
					return err
				}
				r, err := runWrk(base+"/api/v1/feed?kind=foryou", o.wrkDur, script, profPID(round, q), profPathIf(si == len(o.sizes)-1 && b[0] == tools.kurz, "feed", label, round))
				if err != nil {
					q.stop()
					return err
				}
				cmd := shortCmd(r.cmd) + "  (feed.lua: " + fmt.Sprint(len(c.viewers)) + " viewers' tokens round-robin)"
				record(sec, b[1], "requests/s", "req/s", cmd, r.rps)
				record(sec, b[1], "p50", "ms", cmd, r.p50)
				record(sec, b[1], "p99", "ms", cmd, r.p99)
				record(sec, b[1], "load average (1 min) meanwhile", "", "/proc/loadavg", loadAvg())
				record(memSec, "kurz serve --regions eu, "+strings.TrimPrefix(b[1], "kurz "), "VmHWM after the feed runs", "MiB", serveCmd, float64(vmHWM(q.pid()))/(1<<20))
				q.stop()
			}
			if p != nil {
				if round == 0 {
					record(sec, "kurz "+label, "background start-up work after /readyz (waited for before measuring)", "s", "CPU of the process under 0.1 core for 2 s", settle(p.pid(), 5*time.Minute).Seconds())
				}
				r, err := runWrk(base+"/api/v1/feed?kind=foryou", o.wrkDur, script, profPID(round, p), profPathIf(si == len(o.sizes)-1, "feed", label, round))
				if err != nil {
					return err
				}
				cmd := shortCmd(r.cmd) + "  (feed.lua: " + fmt.Sprint(len(c.viewers)) + " viewers' tokens round-robin)"
				record(sec, "kurz "+label, "requests/s", "req/s", cmd, r.rps)
				record(sec, "kurz "+label, "p50", "ms", cmd, r.p50)
				record(sec, "kurz "+label, "p99", "ms", cmd, r.p99)
				record(sec, "kurz "+label, "load average (1 min) meanwhile", "", "/proc/loadavg", loadAvg())
				log.Printf("feed %s round %d: kurz %.0f req/s, p50 %.2f ms, p99 %.1f ms", label, round+1, r.rps, r.p50, r.p99)
			}
			ng, err := startNginx(static, nAddr, "location = /feed.json { default_type application/json; }")
			if err != nil {
				return err
			}
			r, err := runWrk("http://"+nAddr+"/feed.json", o.wrkDur, "", 0, "")
			ng.stop()
			if err != nil {
				return err
			}
			nl := fmt.Sprintf("nginx static %d B (%s)", len(body), label)
			record(sec, nl, "requests/s", "req/s", shortCmd(r.cmd), r.rps)
			record(sec, nl, "p50", "ms", shortCmd(r.cmd), r.p50)
			record(sec, nl, "p99", "ms", shortCmd(r.cmd), r.p99)
			log.Printf("feed %s round %d done", label, round+1)
		}
		if baselineKurz != "" {
			addRatio(sec, "baseline / nginx requests/s, "+label, [2]string{baseLabel, "requests/s"},
				[2]string{fmt.Sprintf("nginx static %d B (%s)", len(body), label), "requests/s"}, "")
			addRatio(memSec, "VmHWM after the feed runs, this build / baseline, "+label, [2]string{"kurz serve --regions eu, " + label, "VmHWM after the feed runs"},
				[2]string{"kurz serve --regions eu, " + label + ", baseline build", "VmHWM after the feed runs"}, "")
		}
		addRatio(sec, "kurz / nginx requests/s, "+label, [2]string{"kurz " + label, "requests/s"},
			[2]string{fmt.Sprintf("nginx static %d B (%s)", len(body), label), "requests/s"}, "≥ 0.3× (at 1M)")
		if p != nil {
			peak := vmHWM(p.pid())
			record(memSec, "kurz serve --regions eu, "+label, "VmHWM after catalogue load", "MiB", serveCmd, float64(rssLoaded)/(1<<20))
			record(memSec, "kurz serve --regions eu, "+label, "VmHWM after the feed runs", "MiB", serveCmd, float64(peak)/(1<<20))
			record(sec, "kurz "+label, "start-up (catalogue load, to /readyz)", "s", serveCmd, load)
			p.stop()
		} else {
			record(memSec, "kurz serve --regions eu, "+label+", first start", "VmHWM after catalogue load", "MiB", serveCmd, float64(rssLoaded)/(1<<20))
		}
		record(sec, "kurz "+label, "first 1,000 For You items, anonymous (first page ranks the catalogue)", "s", "GET /api/v1/feed?kind=foryou&cursor=… until 1,000 items", firstReq)
		if si == 0 {
			firstSize = size
		}
	}
	if len(o.sizes) > 1 {
		last := o.sizes[len(o.sizes)-1]
		lbl := func(n int) string {
			if n >= 1_000_000 {
				return fmt.Sprintf("%gM videos", float64(n)/1e6)
			}
			return fmt.Sprintf("%dk videos", n/1000)
		}
		addRatio(sec, fmt.Sprintf("p50 growth %s → %s", lbl(firstSize), lbl(last)), [2]string{"kurz " + lbl(last), "p50"}, [2]string{"kurz " + lbl(firstSize), "p50"}, "≤ 1.3×")
		addRatio(sec, fmt.Sprintf("requests/s %s / %s", lbl(last), lbl(firstSize)), [2]string{"kurz " + lbl(last), "requests/s"}, [2]string{"kurz " + lbl(firstSize), "requests/s"}, "")
	}
	note(sec, "Catalogue: a third of the videos owned by eu (the region under test) and written like publishing writes them — `Store.CreateVideo` (status ready, public) + `SetHashtags` + `AppendLog(video, PublicVideo)` in batched `Store.Tx` transactions of 5,000; two thirds owned by %d us/sg creators and written like the log follower stores a peer's videos (`PutReplica`). No SQL outside the store layer. Per video 1-2 hashtags: 70%% from %d tags, 30%% from %d trending tags; views exponential (mean 2,000), likes ≤ 10%% of views; created over the last 30 days, oldest first.", replicaCreators, tagPool, trendingTags)
	note(sec, "Viewers: %d people signed up and signed in through the API (`POST /api/v1/accounts`, `POST /api/v1/sessions`); each has %d views (over the last 20 days), %d likes (sampled from the top of For You) and %d follows, written through the store (`AddView`, `AddLike`, `AddFollow`; the counter deltas are left out). wrk cycles through their tokens (`wrk.format` with an Authorization header per request), so the 64 connections are 64 signed-in viewers' requests.", viewers, viewsPerViewer, likesPerViewer, followsPerView)
	note(sec, "The region runs alone (`--regions eu`; peers us and sg run only while people sign up and are down during the measurements, so only eu's own work is measured; For You never calls a peer). The catalogue grows in place 10k → 100k → 1M; the process is restarted for each size and loads it at start (own log replayed + replicas).")
	note(sec, "nginx serves one real For You response of the same size from a file: the floor of any feed.")
	note(memSec, "Peak RSS is VmHWM from /proc/<pid>/status of the `kurz serve` process, right after /readyz (catalogue loaded) and after the feed runs. Target ≤ 1.5 GiB with 1M videos.")
	return nil
}

func profPathIf(ok bool, kind, name string, round int) string {
	if !ok {
		return ""
	}
	return profPath(kind, name, round)
}

func luaTokens(vs []*account) string {
	var b strings.Builder
	b.WriteString("local tokens = {")
	for i, v := range vs {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q", "Bearer "+v.Token)
	}
	b.WriteString("}\nlocal i = math.random(#tokens)\nrequest = function()\n  i = i % #tokens + 1\n  return wrk.format(\"GET\", nil, {[\"Authorization\"] = tokens[i]})\nend\n")
	return b.String()
}

var _ = math.Pow

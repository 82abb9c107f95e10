package app_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/internal/pgtest"
	"kurz/internal/s3test"
)

// nginxBinary finds nginx (scripts/setup.sh installs it for the tests).
func nginxBinary(t *testing.T) string { return requireTool(t, "nginx", "nginx-light") }

// startNginx balances addr over the upstreams, retrying a dead one on the
// next, as an operator's load balancer would.
func startNginx(t *testing.T, addr string, upstreams ...string) {
	t.Helper()
	dir := t.TempDir()
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "server %s max_fails=1 fail_timeout=3s;\n", u)
	}
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  client_max_body_size 0;
  upstream eu { %[2]s }
  server {
    listen %[3]s;
    location / {
      proxy_pass http://eu;
      proxy_http_version 1.1;
      proxy_request_buffering off;
      proxy_next_upstream error timeout http_502 non_idempotent;
      proxy_connect_timeout 1s;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`, dir, servers.String(), addr)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginxBinary(t), "-c", path, "-e", filepath.Join(dir, "error.log"))
	// nginx's master forks workers: they go with its process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not start: %s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startWorker runs `kurz worker`; it serves no HTTP, so it is ready when
// it says so.
func startWorker(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{logs: &logBuffer{}}
	p.cmd = exec.Command(kurzBinary(t), append([]string{"worker"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	waitFor(t, "the worker to start", func() bool { return strings.Contains(p.logs.String(), "kurz working") })
	return p
}

// TestRegionOnSeveralNodes runs eu as two API nodes and a worker on one
// PostgreSQL database and one bucket behind nginx, with us and sg as
// single processes: a resumed upload crosses nodes, the feed, likes and
// comments work through either node, killed nodes and a killed worker
// lose nothing, the follower role moves within seconds, and no eu canary
// lands in the other regions' buckets or folders.
func TestRegionOnSeveralNodes(t *testing.T) {
	nginxBinary(t)
	srv := s3test.Start(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.Secret)
	buckets := map[string]string{}
	for _, r := range []string{"eu", "us", "sg"} {
		buckets[r] = srv.URL(srv.Bucket(t, r))
	}
	key := make([]byte, 32)
	rand.Read(key)
	kek := base64.StdEncoding.EncodeToString(key)
	secret := base64.StdEncoding.EncodeToString([]byte(canary("node-link-secret-") + "0123456789abcdef"))
	addr := map[string]string{}
	for _, n := range []string{"a", "b", "lb", "us", "sg"} {
		addr[n] = freeAddr(t)
	}
	peers := func(self string) []string {
		var out []string
		for r, a := range map[string]string{"eu": addr["lb"], "us": addr["us"], "sg": addr["sg"]} {
			if r != self {
				out = append(out, "--peer", r+"=http://"+a)
			}
		}
		return out
	}
	common := func(region string) []string {
		return append([]string{"--regions", region, "--directory", "eu", "--link-secret", secret, "--blobs", region + "=" + buckets[region],
			"--trusted-proxy", "127.0.0.1/32", "--signups-per-ip", "1000", "--migrate"}, peers(region)...)
	}
	euDB, euKeys := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	eu := append(common("eu"), "--db", "eu="+euDB, "--key-db", "eu="+euKeys, "--kek", "eu="+kek)
	node := func(name string, extra ...string) *process {
		return startProcess(t, addr[name], append(append(append([]string{}, eu...), "--data", t.TempDir(), "--node-id", name, "--no-jobs"), extra...)...)
	}
	a := node("a")
	waitFor(t, "node a to lead the us log", func() bool { return strings.Contains(a.logs.String(), `"lease":"follow:us"`) })
	b := node("b")
	workerArgs := append(append([]string{}, eu...), "--data", t.TempDir(), "--node-id", "w")
	w := startWorker(t, workerArgs...)
	startNginx(t, addr["lb"], addr["a"], addr["b"])
	usDir, sgDir := t.TempDir(), t.TempDir()
	startProcess(t, addr["us"], append(common("us"), "--data", usDir)...)
	startProcess(t, addr["sg"], append(common("sg"), "--data", sgDir)...)

	lb := &server{t: t, base: "http://" + addr["lb"], logs: a.logs}
	atA := &server{t: t, base: "http://" + addr["a"], logs: a.logs}
	atB := &server{t: t, base: "http://" + addr["b"], logs: b.logs}
	email := canary("eu-node-person-") + "@example.org"
	p := lb.signUp("nodeperson", email, "1990-01-01", "DE")
	lb.login(&p)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 720, 1280, 2, true)

	// An upload started through node A and resumed through node B.
	half := atA.tusUpload(p.Token, clip, map[string]string{"caption": "across nodes"}, 0.5, "")
	if half.Done || half.URL == "" {
		t.Fatalf("first half through A: %+v", half)
	}
	rest := atB.tusUpload(p.Token, clip, map[string]string{"caption": "across nodes"}, 1, strings.Replace(half.URL, addr["a"], addr["b"], 1))
	if !rest.Done {
		t.Fatalf("rest through B: %+v", rest)
	}
	if v := lb.waitVideo(p.Token, rest.VideoID); v.Status != "ready" {
		t.Fatalf("video across nodes: %q %s", v.Status, v.Error)
	}

	// Feed, likes and comments through either node.
	usP := (&server{t: t, base: "http://" + addr["us"]}).signUp("usnodefan", "usnodefan@example.org", "1990-01-01", "US")
	(&server{t: t, base: "http://" + addr["us"]}).login(&usP)
	auth := []string{"Authorization", "Bearer " + p.Token}
	if r := atA.do("PUT", "/api/v1/videos/"+rest.VideoID+"/like", nil, auth...); r.Status != 200 {
		t.Fatalf("like through A: %d %s", r.Status, r.Body)
	}
	if r := atB.do("POST", "/api/v1/videos/"+rest.VideoID+"/comments", map[string]string{"text": "seen from B"}, auth...); r.Status != 201 {
		t.Fatalf("comment through B: %d %s", r.Status, r.Body)
	}
	for _, n := range []*server{atA, atB} {
		waitFor(t, "the video in the feed of both nodes", func() bool {
			r := n.do("GET", "/api/v1/feed?kind=foryou", nil)
			return r.Status == 200 && strings.Contains(string(r.Body), rest.VideoID)
		})
		waitFor(t, "the comment through both nodes", func() bool {
			r := n.do("GET", "/api/v1/videos/"+rest.VideoID+"/comments", nil)
			return strings.Contains(string(r.Body), "seen from B")
		})
	}

	// Node A dies with an upload in flight through it; the upload is
	// finished through B, and B takes over following the peers' logs.
	inFlight := atA.tusUpload(p.Token, clip, map[string]string{"caption": "A died"}, 0.4, "")
	killed := time.Now()
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	finished := atB.tusUpload(p.Token, clip, map[string]string{"caption": "A died"}, 1, strings.Replace(inFlight.URL, addr["a"], addr["b"], 1))
	if !finished.Done {
		t.Fatalf("upload resumed through B after A died: %+v", finished)
	}
	waitFor(t, "node b to lead the us log", func() bool { return strings.Contains(b.logs.String(), `"lease":"follow:us"`) })
	if d := time.Since(killed); d > 10*time.Second {
		t.Errorf("the follower role moved after %v (want within 10 s)", d)
	} else {
		t.Logf("the follower role moved to node b %v after node a died", d.Round(time.Millisecond))
	}
	usV := (&server{t: t, base: "http://" + addr["us"]}).tusUpload(usP.Token, clip, map[string]string{"caption": "from us"}, 1, "")
	waitFor(t, "a new us video through B's replication", func() bool {
		return lb.do("GET", "/api/v1/videos/"+usV.VideoID, nil).Status == 200
	})

	// The worker dies mid-transcode and comes back: the video ends ready,
	// once.
	long := filepath.Join(t.TempDir(), "long.mp4")
	mediatest.Clip(t, long, 1080, 1920, 8, true)
	lv := lb.tusUpload(p.Token, long, map[string]string{"caption": "worker died"}, 1, "")
	waitFor(t, "the transcode to start", func() bool {
		var v videoJSON
		lb.do("GET", "/api/v1/videos/"+lv.VideoID, nil, auth...).json(t, &v)
		return v.Status == "processing" || v.Status == "playable"
	})
	time.Sleep(time.Second) // into the transcode (the outcome must not depend on where the kill lands)
	w.cmd.Process.Signal(syscall.SIGKILL)
	w.cmd.Wait()
	startWorker(t, workerArgs...)
	for _, id := range []string{finished.VideoID, lv.VideoID} {
		if v := lb.waitVideo(p.Token, id); v.Status != "ready" {
			t.Fatalf("video %s after the deaths: %q %s", id, v.Status, v.Error)
		}
	}
	// Exactly the three uploads, each one video row, ready, in the
	// catalogue of the node still serving.
	db, err := sql.Open("pgx", euDB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, ready int
	db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE status = 'ready') FROM videos WHERE owner_id = $1`, p.ID).Scan(&rows, &ready)
	if rows != 3 || ready != 3 {
		t.Fatalf("the person has %d video rows, %d ready; want 3 and 3 (none lost, none twice)", rows, ready)
	}
	waitFor(t, "all three videos on the profile", func() bool {
		var mine struct{ Items []struct{ ID string } }
		lb.do("GET", "/api/v1/users/nodeperson/videos", nil, auth...).json(t, &mine)
		return len(mine.Items) == 3
	})

	// Residency: the eu person's email and private caption appear in no
	// other region's bucket or folder.
	for _, dir := range []string{filepath.Join(srv.Dir, bucketName(buckets["us"])), filepath.Join(srv.Dir, bucketName(buckets["sg"])), usDir, sgDir} {
		hits, err := leak.ScanDir(dir, email)
		if err != nil || len(hits) > 0 {
			t.Fatalf("eu canary outside eu in %s: %v %v", dir, hits, err)
		}
	}
}

func bucketName(s3url string) string {
	s := strings.TrimPrefix(s3url, "s3://")
	return s[:strings.IndexAny(s, "/?")]
}

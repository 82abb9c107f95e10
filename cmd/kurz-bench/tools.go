package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// toolset locates or installs what the comparisons need.
type toolset struct {
	kurz, nginx, wrk, tusd, ffmpeg, ffprobe, node, nodePath, perf string
	tusdVersion                                                   string
	repo                                                          string
}

const tusdModule = "github.com/tus/tusd/v2/cmd/tusd@v2.9.1"

func findTools() (*toolset, error) {
	t := &toolset{}
	wd, _ := os.Getwd()
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module kurz")) {
			t.repo = d
			break
		}
		if d == filepath.Dir(d) {
			return nil, errors.New("run from inside the kurz repository (go run ./cmd/kurz-bench)")
		}
	}
	var missing []string
	for _, p := range []struct {
		bin, pkg string
		dst      *string
	}{{"nginx", "nginx", &t.nginx}, {"wrk", "wrk", &t.wrk}, {"ffmpeg", "ffmpeg", &t.ffmpeg}, {"ffprobe", "ffmpeg", &t.ffprobe}, {"node", "nodejs", &t.node}} {
		path, err := lookPath(p.bin)
		if err != nil {
			missing = append(missing, p.pkg)
			continue
		}
		*p.dst = path
	}
	if len(missing) > 0 {
		if os.Geteuid() != 0 {
			return nil, fmt.Errorf("missing %v; install them: sudo apt-get install -y %s", missing, strings.Join(missing, " "))
		}
		log.Printf("installing %v with apt-get", missing)
		cmd := exec.Command("apt-get", append([]string{"install", "-y", "--no-install-recommends"}, missing...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("apt-get install %v: %v\n%s", missing, err, tail(out))
		}
		return findTools()
	}
	t.perf, _ = lookPath("perf")
	t.nodePath = filepath.Join(t.repo, "web", "node_modules")
	if _, err := os.Stat(filepath.Join(t.nodePath, "tus-js-client")); err != nil {
		log.Printf("note: %s/tus-js-client missing; the Go tus client is used everywhere anyway", t.nodePath)
	}
	// tusd: on PATH, in GOBIN/GOPATH/bin, else go install.
	t.tusd, _ = lookPath("tusd")
	if t.tusd == "" {
		gobin := goEnv("GOBIN")
		if gobin == "" {
			gobin = filepath.Join(goEnv("GOPATH"), "bin")
		}
		cand := filepath.Join(gobin, "tusd")
		if _, err := os.Stat(cand); err != nil {
			log.Printf("installing tusd: go install %s", tusdModule)
			cmd := exec.Command("go", "install", tusdModule)
			cmd.Dir = os.TempDir() // outside the module: a tool, not a dependency
			if out, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("go install %s: %v\n%s", tusdModule, err, tail(out))
			}
		}
		t.tusd = cand
	}
	if b, err := exec.Command(t.tusd, "-version").CombinedOutput(); err == nil {
		l, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		t.tusdVersion = l
	}
	if t.tusdVersion == "" || strings.Contains(t.tusdVersion, "n/a") {
		t.tusdVersion = tusdModule + " (go install)"
	}
	t.kurz = filepath.Join(workDir, "bin", "kurz")
	log.Printf("building kurz: go build -o %s ./cmd/kurz", t.kurz)
	cmd := exec.Command("go", "build", "-o", t.kurz, "./cmd/kurz")
	cmd.Dir = t.repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/kurz: %v\n%s", err, tail(out))
	}
	return t, nil
}

func lookPath(bin string) (string, error) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
		p := filepath.Join(d, bin)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", bin)
}

func goEnv(k string) string {
	b, _ := exec.Command("go", "env", k).Output()
	return strings.TrimSpace(string(b))
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// proc is a process the harness started; stopAll ends them by pid.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

var (
	procMu sync.Mutex
	procs  []*proc
)

func start(name string, env []string, bin string, args ...string) (*proc, error) {
	p := &proc{name: name, log: filepath.Join(workDir, "logs", name+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".log"),
		done: make(chan struct{})}
	os.MkdirAll(filepath.Dir(p.log), 0o755)
	f, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { p.err = p.cmd.Wait(); f.Close(); close(p.done) }()
	procMu.Lock()
	procs = append(procs, p)
	procMu.Unlock()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM to the process group and SIGKILL after 15 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	syscall.Kill(-p.pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

func (p *proc) logTail() string {
	b, _ := os.ReadFile(p.log)
	return tail(b)
}

func stopAll() {
	procMu.Lock()
	ps := procs
	procs = nil
	procMu.Unlock()
	for _, p := range ps {
		p.stop()
	}
	for _, f := range cleanups {
		f()
	}
	cleanups = nil
}

// cleanups run after every process stopped (databases to drop).
var cleanups []func()

// vmHWM reads a process's peak resident set size in bytes.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(`VmHWM:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return n << 10
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHTTP polls url until it answers 200.
func waitHTTP(p *proc, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v) before answering %s:\n%s", p.name, p.err, url, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within %s:\n%s", p.name, url, timeout, p.logTail())
		}
		time.Sleep(10 * time.Millisecond) // start-up is timed to the first 200
	}
}

// startKurz runs `kurz serve` with args and waits for /readyz.
func startKurz(name, addr string, env []string, args ...string) (*proc, error) {
	return startBin(tools.kurz, name, addr, env, args...)
}

// startBin is startKurz with another kurz binary.
func startBin(bin, name, addr string, env []string, args ...string) (*proc, error) {
	p, err := start(name, env, bin, append([]string{"serve", "--addr", addr}, args...)...)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(p, "http://"+addr+"/readyz", 10*time.Minute); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// startNginx serves root on addr (sendfile on, access log off).
func startNginx(root, addr string, extra string) (*proc, error) {
	return startNginxConf(addr, fmt.Sprintf("server {\n    listen %s;\n    root %s;\n    %s\n  }", addr, root, extra))
}

// startNginxConf runs nginx with the given http-block contents (server
// and upstream blocks) and waits until addr accepts connections.
func startNginxConf(addr, servers string) (*proc, error) {
	dir, err := os.MkdirTemp(workDir, "nginx-")
	if err != nil {
		return nil, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the data folders are 0700, owned by the harness
	}
	conf := fmt.Sprintf(`%s
daemon off;
master_process on;
worker_processes auto;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_requests 1000000;
  access_log off;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  %[3]s
}
`, user, dir, servers)
	cf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	p, err := start("nginx", nil, tools.nginx, "-p", dir, "-c", cf, "-e", filepath.Join(dir, "error.log"))
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.done:
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			return nil, fmt.Errorf("nginx exited: %v\n%s%s", p.err, p.logTail(), b)
		default:
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, errors.New("nginx did not start listening")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wrkResult is one wrk run.
type wrkResult struct {
	rps              float64
	p50, p90, p99    float64 // milliseconds
	requests, non2xx int64
	socketErrs       string
	cmd              string
}

var (
	reRPS    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reLat    = regexp.MustCompile(`(?m)^\s+(50|90|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	reReqs   = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSock   = regexp.MustCompile(`Socket errors: (.*)`)
)

// runWrk loads url with 64 connections for d; script is an optional Lua file.
// With a process and a file to profile it into, the profile comes from a
// second run under perf after the measured one, whose result is not kept:
// perf attached to a process (-p follows each of its threads) makes every
// request cost it 15-40 % more CPU on this machine (measured on the
// profile API, CPU time of the process per request), so a build measured
// while profiled would lose against one that is not, and against nginx.
func runWrk(url string, d time.Duration, script string, pidToProfile int, profileOut string) (*wrkResult, error) {
	r, err := runWrkOnce(url, d, script, 0, "")
	if err != nil || pidToProfile <= 0 || tools.perf == "" || profileOut == "" {
		return r, err
	}
	if _, err := runWrkOnce(url, min(d, 5*time.Second), script, pidToProfile, profileOut); err != nil {
		return r, err
	}
	return r, nil
}

// runWrkOnce is one wrk run, profiled if asked.
func runWrkOnce(url string, d time.Duration, script string, pidToProfile int, profileOut string) (*wrkResult, error) {
	args := []string{"-t", "2", "-c", "64", "-d", fmt.Sprintf("%ds", int(d.Seconds())), "--latency", "--timeout", "10s"}
	if script != "" {
		args = append(args, "-s", script)
	}
	args = append(args, url)
	var perf *exec.Cmd
	if pidToProfile > 0 && tools.perf != "" && profileOut != "" {
		perf = exec.Command(tools.perf, "record", "-F", "499", "-g", "-o", profileOut, "-p", strconv.Itoa(pidToProfile),
			"--", "sleep", strconv.Itoa(max(1, int(d.Seconds())-1)))
		perf.Stdout, perf.Stderr = io.Discard, io.Discard
		if err := perf.Start(); err != nil {
			perf = nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d+60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tools.wrk, args...).CombinedOutput()
	if perf != nil {
		perf.Wait()
	}
	r := &wrkResult{cmd: "wrk " + strings.Join(args, " ")}
	if err != nil {
		return r, fmt.Errorf("%s: %v\n%s", r.cmd, err, out)
	}
	s := string(out)
	m := reRPS.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("%s: no Requests/sec in output:\n%s", r.cmd, s)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range reLat.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		switch m[1] {
		case "50":
			r.p50 = v
		case "90":
			r.p90 = v
		case "99":
			r.p99 = v
		}
	}
	if m := reReqs.FindStringSubmatch(s); m != nil {
		r.requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reNon2xx.FindStringSubmatch(s); m != nil {
		r.non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSock.FindStringSubmatch(s); m != nil {
		r.socketErrs = m[1]
	}
	if r.requests == 0 || r.non2xx > 0 {
		return r, fmt.Errorf("%s: %d requests, %d non-2xx:\n%s", r.cmd, r.requests, r.non2xx, s)
	}
	if r.socketErrs != "" && regexp.MustCompile(`(read|write|timeout) [1-9]`).MatchString(r.socketErrs) {
		return r, fmt.Errorf("%s: socket errors %s", r.cmd, r.socketErrs)
	}
	return r, nil
}

// shortCmd replaces the run's temp folder with $T in a command line.
func shortCmd(s string) string { return strings.ReplaceAll(s, workDir, "$T") }

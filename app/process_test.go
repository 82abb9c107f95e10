package app_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"kurz/internal/mediatest"
	"kurz/internal/porttest"

	_ "modernc.org/sqlite"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// kurzBinary builds cmd/kurz once per test run.
func kurzBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kurz-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kurz")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/kurz").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	return porttest.FreeAddr(t)
}

// process is a real kurz process.
type process struct {
	cmd  *exec.Cmd
	addr string
	logs *logBuffer
}

// stop ends the process with SIGTERM and waits for it.
func (p *process) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

func startProcess(t *testing.T, addr string, args ...string) *process {
	t.Helper()
	return startProcessEnv(t, addr, nil, args...)
}

// startProcessEnv is startProcess with environment variables added.
func startProcessEnv(t *testing.T, addr string, env []string, args ...string) *process {
	t.Helper()
	p := &process{addr: addr, logs: &logBuffer{}}
	p.cmd = exec.Command(kurzBinary(t), append([]string{"serve", "--addr", addr}, args...)...)
	if env != nil {
		p.cmd.Env = append(os.Environ(), env...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	waitReady(t, p)
	return p
}

// waitReady waits until the process answers /readyz with 200.
func waitReady(t *testing.T, p *process) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("kurz did not become ready: %v\n%s", err, p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestKillDuringTranscode: SIGKILL the server mid-transcode; after a
// restart the same video becomes ready, with one set of outputs and a
// database that passes its integrity check.
func TestKillDuringTranscode(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", data)
	s := &server{t: t, logs: p.logs}
	s.Main = nil
	url := "http://" + addr
	s.base = url

	a := s.signUp("crashy", "crashy@example.org", "1990-01-01", "DE")
	s.login(&a)
	clip := filepath.Join(t.TempDir(), "long.mp4")
	mediatest.Clip(t, clip, 1080, 1920, 12, true)
	res := s.tusUpload(a.Token, clip, map[string]string{"caption": "survives a crash"}, 1, "")
	if !res.Done {
		t.Fatalf("upload: %+v", res)
	}
	mediaDir := filepath.Join(data, "eu", "media", res.VideoID)
	deadline := time.Now().Add(time.Minute)
	for {
		// The ladder is written in a staging folder, published when whole.
		work, _ := filepath.Glob(filepath.Join(data, "eu", ".stage", "*", "media", ".work-*", "v0", "seg_*.ts"))
		if len(work) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transcode never started writing segments\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	if _, err := os.Stat(filepath.Join(mediaDir, "master.m3u8")); err == nil {
		t.Fatal("the killed transcode published a master playlist")
	}

	p2 := startProcess(t, addr, "--data", data)
	s.logs = p2.logs
	v := s.waitVideo(a.Token, res.VideoID)
	if v.Status != "ready" {
		t.Fatalf("after restart the video is %q: %s\n%s", v.Status, v.Error, p2.logs.String())
	}
	if r := s.do("GET", v.HLSURL, nil); r.Status != 200 {
		t.Fatalf("master after restart: %d", r.Status)
	}
	entries, _ := os.ReadDir(mediaDir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "master.m3u8 poster.jpg preview.mp4 v0 v1 v2" {
		t.Fatalf("media folder after the rerun: %v", names)
	}
	p2.cmd.Process.Signal(syscall.SIGKILL)
	p2.cmd.Wait()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "eu", "kurz.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check after SIGKILL: %q %v", check, err)
	}
}

// TestSIGTERMShutsDownGracefully: SIGTERM ends the process cleanly
// within the shutdown budget.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	p := startProcess(t, addr, "--data", t.TempDir())
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs.String())
	}
	if d := time.Since(start); d > 25*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if !strings.Contains(p.logs.String(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", p.logs.String())
	}
}

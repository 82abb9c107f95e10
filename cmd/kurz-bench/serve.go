package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// media is the single-region kurz process shared by the serving,
// transcoding and ingest comparisons.
type mediaServer struct {
	p      *proc
	base   string
	data   string
	region string
}

var (
	readyVideo string // a public ready 1080x1920 video in the shared server
	shared     *mediaServer
	userSeq    int
)

func kurzMedia() (*mediaServer, error) {
	if shared != nil {
		select {
		case <-shared.p.done:
		default:
			return shared, nil
		}
	}
	addr := freePort()
	data := filepath.Join(workDir, "media-data")
	p, err := startKurz("kurz-media", addr, nil, "--data", data, "--signups-per-ip", "100000",
		"--trusted-proxy", "127.0.0.1/32")
	if err != nil {
		return nil, err
	}
	shared = &mediaServer{p: p, base: "http://" + addr, data: data, region: "eu"}
	return shared, nil
}

// newUser signs up a fresh person (each has its own daily upload quota).
func (m *mediaServer) newUser() (*account, error) {
	userSeq++
	return signUpLogin(m.base, fmt.Sprintf("bench%d", userSeq), "DE", fmt.Sprintf("198.51.100.%d", userSeq%250+1))
}

// makeClip writes a w×h H.264+AAC test clip of d seconds.
func makeClip(path string, w, h int, d float64) (string, error) {
	args := []string{"-nostdin", "-hide_banner", "-v", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%dx%d:r=30:d=%g", w, h, d),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:d=%g", d),
		"-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path}
	if out, err := exec.Command(tools.ffmpeg, args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("ffmpeg clip: %v\n%s", err, out)
	}
	return "ffmpeg " + strings.Join(args, " "), nil
}

// benchServing: HLS segment and playlist, kurz vs nginx on the same files.
func benchServing() error {
	const sec = "1. HLS serving (64 connections)"
	m, err := kurzMedia()
	if err != nil {
		return err
	}
	id := readyVideo
	if id == "" {
		// Run alone: make one (the transcode comparison leaves its video).
		u, err := m.newUser()
		if err != nil {
			return err
		}
		clip := filepath.Join(workDir, "serve-clip.mp4")
		if _, err := makeClip(clip, 1080, 1920, 4); err != nil {
			return err
		}
		up, err := tusUpload(m.base+"/api/v1/uploads/", u.Token, clip, map[string]string{"caption": "bench #serving", "filename": "c.mp4"}, 8<<20)
		if err != nil {
			return err
		}
		v, err := waitVideo(m.base, u.Token, up.VideoID, 100*time.Millisecond, 5*time.Minute)
		if err != nil {
			return err
		}
		if v.Status != "ready" {
			return fmt.Errorf("serving clip ended %s: %s", v.Status, v.Error)
		}
		id = v.ID
	}
	v := struct{ ID string }{id}
	root := filepath.Join(m.data, m.region, "media")
	seg := filepath.Join(root, v.ID, "v0", "seg_00000.ts")
	fi, err := os.Stat(seg)
	if err != nil {
		return err
	}
	nAddr := freePort()
	files := []struct{ label, path string }{
		{fmt.Sprintf("segment v0/seg_00000.ts (%d KiB)", fi.Size()>>10), "/" + v.ID + "/v0/seg_00000.ts"},
		{"master playlist master.m3u8", "/" + v.ID + "/master.m3u8"},
		{"variant playlist v0/index.m3u8", "/" + v.ID + "/v0/index.m3u8"},
	}
	if o.quick {
		files = files[:2]
	}
	for round := 0; round < o.rounds; round++ {
		for _, f := range files {
			kurl := m.base + "/media" + f.path
			r, err := runWrk(kurl, o.wrkDur, "", profPID(round, m.p), profPath("serve", f.path, round))
			if err != nil {
				return err
			}
			record(sec, "kurz", f.label+": requests/s", "req/s", shortCmd(r.cmd), r.rps)
			record(sec, "kurz", f.label+": p99", "ms", shortCmd(r.cmd), r.p99)
			ng, err := startNginx(root, nAddr, "")
			if err != nil {
				return err
			}
			r, err = runWrk("http://"+nAddr+f.path, o.wrkDur, "", 0, "")
			ng.stop()
			if err != nil {
				return err
			}
			record(sec, "nginx", f.label+": requests/s", "req/s", shortCmd(r.cmd), r.rps)
			record(sec, "nginx", f.label+": p99", "ms", shortCmd(r.cmd), r.p99)
			log.Printf("serve %s round %d done", f.label, round+1)
		}
	}
	for _, f := range files {
		addRatio(sec, "kurz / nginx requests/s, "+f.label, [2]string{"kurz", f.label + ": requests/s"}, [2]string{"nginx", f.label + ": requests/s"}, "≥ 0.9×")
		addRatio(sec, "kurz / nginx p99, "+f.label, [2]string{"kurz", f.label + ": p99"}, [2]string{"nginx", f.label + ": p99"}, "")
	}
	note(sec, "Same files: nginx's root is kurz's `<data>/eu/media` folder; nginx 1.22 with `sendfile on; tcp_nopush on; access_log off; worker_processes auto`. kurz: `kurz serve` (the embedded default, eu/us/sg in one process; a public ready video: visibility comes from the in-memory catalogue, and each request opens the file).")
	note(sec, "wrk (2 threads) runs on the same 2 cores as the server, so both servers share the CPU with the load generator.")
	return nil
}

// profPID returns the pid to profile with perf in the first round.
func profPID(round int, p *proc) int {
	if round != 0 || p == nil {
		return 0
	}
	return p.pid()
}

func profPath(kind, name string, round int) string {
	if round != 0 || tools.perf == "" {
		return ""
	}
	safe := strings.NewReplacer("/", "_", ".", "_", " ", "_").Replace(name)
	if len(safe) > 40 {
		safe = safe[len(safe)-40:]
	}
	p := filepath.Join(workDir, "perf", kind+safe+".data")
	os.MkdirAll(filepath.Dir(p), 0o755)
	profiles = append(profiles, profile{kind: kind, name: name, path: p})
	return p
}

type profile struct{ kind, name, path string }

var profiles []profile

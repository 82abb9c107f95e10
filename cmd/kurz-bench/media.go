package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"kurz/ffmpeg"
)

// benchIngest: one large upload through kurz's tus endpoint vs tusd.
func benchIngest() error {
	const sec = "3. Upload ingest (tus)"
	m, err := kurzMedia()
	if err != nil {
		return err
	}
	size := int64(o.ingestMiB) << 20
	file := filepath.Join(workDir, "ingest.bin")
	if err := randomFile(file, size); err != nil {
		return err
	}
	defer os.Remove(file)
	tusdDir := filepath.Join(workDir, "tusd-data")
	tAddr := freePort()
	host, port, _ := strings.Cut(tAddr, ":")
	tusdArgs := []string{"-host", host, "-port", port, "-upload-dir", tusdDir, "-base-path", "/files/", "-disable-download"}
	cmdKurz := fmt.Sprintf("bench tus client (Go, POST + PATCH 8 MiB chunks) → http://127.0.0.1/api/v1/uploads/ (kurz serve, embedded default), %d MiB of random bytes", o.ingestMiB)
	cmdTusd := fmt.Sprintf("same client → tusd %s (%s)", strings.Join(tusdArgs, " "), tusdModule)
	for round := 0; round < o.rounds; round++ {
		u, err := m.newUser()
		if err != nil {
			return err
		}
		r, err := tusUpload(m.base+"/api/v1/uploads/", u.Token, file, map[string]string{"caption": "ingest", "filename": "x.mp4"}, 8<<20)
		if err != nil {
			return fmt.Errorf("kurz upload: %w", err)
		}
		record(sec, "kurz", "throughput", "MB/s", cmdKurz, float64(size)/1e6/r.LastByte.Sub(r.Start).Seconds())
		// Random bytes fail processing as "not a video"; wait for that so
		// the next run does not share the disk with it, and drop the file.
		if v, err := waitVideo(m.base, u.Token, r.VideoID, 100*time.Millisecond, 2*time.Minute); err == nil && v.Status == "ready" {
			return fmt.Errorf("random bytes became a ready video")
		}
		call(m.base, "DELETE", "/api/v1/videos/"+r.VideoID, u.Token, nil, nil)

		os.RemoveAll(tusdDir)
		os.MkdirAll(tusdDir, 0o755)
		tp, err := start("tusd", nil, tools.tusd, tusdArgs...)
		if err != nil {
			return err
		}
		if err := waitTCP(tp, tAddr); err != nil {
			return err
		}
		r, err = tusUpload("http://"+tAddr+"/files/", "", file, map[string]string{"filename": "x.mp4"}, 8<<20)
		tp.stop()
		if err != nil {
			return fmt.Errorf("tusd upload: %w", err)
		}
		record(sec, "tusd", "throughput", "MB/s", shortCmd(cmdTusd), float64(size)/1e6/r.LastByte.Sub(r.Start).Seconds())
		os.RemoveAll(tusdDir)
		log.Printf("ingest round %d done", round+1)
	}
	addRatio(sec, "kurz / tusd MB/s", [2]string{"kurz", "throughput"}, [2]string{"tusd", "throughput"}, "≥ 0.9×")
	note(sec, "kurz has no flag for the upload size limit; its default is 512 MiB, so the %d MiB file fits. Both servers write to the same disk (the run's temp folder). Time runs from the creation POST to the answer of the last PATCH; kurz then fails the file as not a video (random bytes), which is not timed.", o.ingestMiB)
	return nil
}

func waitTCP(p *proc, addr string) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := netDial(addr)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v\n%s", p.name, p.err, p.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not listen on %s:\n%s", p.name, addr, p.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func netDial(addr string) (net.Conn, error) { return net.DialTimeout("tcp", addr, time.Second) }

func randomFile(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(f, rand.Reader, size)
	return err
}

// benchTranscode: upload to playable and to ready vs the bare one-pass
// ffmpeg command and vs a sequential ladder (and, with -baseline-kurz, an
// earlier kurz build in turn with this one).
func benchTranscode() error {
	sec := fmt.Sprintf("4. Upload to playable (%g s 1080x1920 clip)", o.clipSec)
	m, err := kurzMedia()
	if err != nil {
		return err
	}
	servers := []struct {
		label string
		m     *mediaServer
	}{{"kurz", m}}
	if baselineKurz != "" {
		addr := freePort()
		data := filepath.Join(workDir, "media-data-baseline")
		p, err := startBin(baselineKurz, "kurz-baseline", addr, nil, "--data", data, "--signups-per-ip", "100000", "--trusted-proxy", "127.0.0.1/32")
		if err != nil {
			return err
		}
		defer p.stop()
		servers = append(servers, struct {
			label string
			m     *mediaServer
		}{"kurz before (baseline build)", &mediaServer{p: p, base: "http://" + addr, data: data, region: "eu"}})
	}
	clip := filepath.Join(workDir, "transcode-clip.mp4")
	clipCmd, err := makeClip(clip, 1080, 1920, o.clipSec)
	if err != nil {
		return err
	}
	// The runner kurz configures: threads = NumCPU / transcode slots
	// (slots = max(1, NumCPU/4)), see app.Main.openCell.
	slots := max(1, runtime.NumCPU()/4)
	runner := &ffmpeg.Runner{FFmpeg: tools.ffmpeg, FFprobe: tools.ffprobe, Threads: max(1, runtime.NumCPU()/slots)}
	info, err := runner.Probe(context.Background(), clip)
	if err != nil {
		return err
	}
	rungs := ffmpeg.Ladder(info)
	out := filepath.Join(workDir, "transcode-out")
	onePassArgs := runner.TranscodeArgs(info, ffmpeg.PassAll)
	// kurz passes the input as fd 3, its progress report goes to fd 4 and
	// the fingerprint to stdout.
	onePassCmd := "cd $T/transcode-out && ffmpeg " + shortCmd(strings.Join(onePassArgs, " ")) + " 3<$T/transcode-clip.mp4 4>/dev/null >/dev/null"
	seqCmds := sequentialLadder(clip, info, rungs, runner.Threads)
	var seqShow []string
	for _, a := range seqCmds {
		seqShow = append(seqShow, "ffmpeg "+shortCmd(strings.Join(a, " ")))
	}
	kurzCmd := "bench tus client → kurz serve (embedded default); time from the last PATCH answer to the status (polled every 50 ms)"
	for round := 0; round < o.rounds; round++ {
		// A: kurz (and the baseline build, in turn).
		for _, sv := range servers {
			u, err := sv.m.newUser()
			if err != nil {
				return err
			}
			up, err := tusUpload(sv.m.base+"/api/v1/uploads/", u.Token, clip, map[string]string{"caption": "transcode"}, 8<<20)
			if err != nil {
				return err
			}
			playable, ready, err := waitPlayable(sv.m.base, u.Token, up.VideoID, up.LastByte)
			if err != nil {
				return err
			}
			record(sec, sv.label, "last byte → playable", "s", kurzCmd, playable.Seconds())
			record(sec, sv.label, "last byte → ready", "s", kurzCmd, ready.Seconds())
			if round == o.rounds-1 && sv.m == m {
				readyVideo = up.VideoID // served by the serving comparison
			} else {
				call(sv.m.base, "DELETE", "/api/v1/videos/"+up.VideoID, u.Token, nil, nil)
			}
		}

		// B: the one-pass command, bare.
		os.RemoveAll(out)
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		for i := range rungs {
			os.Mkdir(filepath.Join(out, "v"+strconv.Itoa(i)), 0o755)
		}
		t0 := time.Now()
		in, err := os.Open(clip)
		if err != nil {
			return err
		}
		devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		cmd := exec.Command(tools.ffmpeg, onePassArgs...)
		cmd.Dir = out
		cmd.ExtraFiles = []*os.File{in, devNull}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		err = cmd.Run()
		in.Close()
		devNull.Close()
		if err != nil {
			return fmt.Errorf("one-pass ffmpeg: %v\n%s", err, stderr.String())
		}
		record(sec, "bare ffmpeg, one pass (all renditions)", "wall time", "s", onePassCmd, time.Since(t0).Seconds())

		// C: sequential ladder, one run per rendition, then poster+preview.
		os.RemoveAll(out)
		for i := range rungs {
			os.MkdirAll(filepath.Join(out, "v"+strconv.Itoa(i)), 0o755)
		}
		t0 = time.Now()
		var first float64
		for i, a := range seqCmds {
			cmd := exec.Command(tools.ffmpeg, a...)
			cmd.Dir = out
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("sequential ffmpeg %d: %v\n%s", i, err, b)
			}
			if i == 0 {
				first = time.Since(t0).Seconds()
			}
		}
		record(sec, "sequential ladder (1 run per rendition)", "wall time", "s", strings.Join(seqShow, " ; "), time.Since(t0).Seconds())
		record(sec, "sequential ladder (1 run per rendition)", "first rendition playable", "s", seqShow[0], first)
		os.RemoveAll(out)
		log.Printf("transcode round %d done", round+1)
	}
	addRatio(sec, "kurz playable / kurz ready", [2]string{"kurz", "last byte → playable"}, [2]string{"kurz", "last byte → ready"}, "≤ 0.5×")
	addRatio(sec, "kurz ready / bare one-pass", [2]string{"kurz", "last byte → ready"}, [2]string{"bare ffmpeg, one pass (all renditions)", "wall time"}, "≤ 1.1×")
	addRatio(sec, "kurz playable / bare one-pass", [2]string{"kurz", "last byte → playable"}, [2]string{"bare ffmpeg, one pass (all renditions)", "wall time"}, "")
	if baselineKurz != "" {
		b := "kurz before (baseline build)"
		addRatio(sec, "before: ready / bare one-pass", [2]string{b, "last byte → ready"}, [2]string{"bare ffmpeg, one pass (all renditions)", "wall time"}, "")
		addRatio(sec, "before: playable / before: ready", [2]string{b, "last byte → playable"}, [2]string{b, "last byte → ready"}, "")
		addRatio(sec, "kurz playable / before playable", [2]string{"kurz", "last byte → playable"}, [2]string{b, "last byte → playable"}, "")
		addRatio(sec, "kurz ready / before ready", [2]string{"kurz", "last byte → ready"}, [2]string{b, "last byte → ready"}, "")
		note(sec, "The baseline build is `%s`, uploaded to in turn with this build, round by round (-baseline-kurz); it has no playable status, so its playable time is its ready time.", baselineKurz)
	}
	addRatio(sec, "sequential / kurz ready (speed-up of kurz)", [2]string{"sequential ladder (1 run per rendition)", "wall time"}, [2]string{"kurz", "last byte → ready"}, "")
	note(sec, "Clip: `%s`.", shortCmd(clipCmd))
	note(sec, "Ladder for this input: %d renditions (%s), x264 `veryfast`, 2 s segments, plus poster and 3 s preview; ffmpeg threads per encoder = %d, as kurz configures it on this machine (one transcode slot per 4 cores, at least one).", len(rungs), rungNames(rungs), runner.Threads)
	note(sec, "kurz runs two ffmpeg processes at once (ffmpeg.TranscodeStaged, pipeline/PLAYABLE.md): the first pass (360p, poster, preview, fingerprint) and, at nice 10, the rest of the ladder; the video is published and playable (a master of the 360p variant) when the first pass is done and screened, and ready when the rest joined it. The bare one-pass row is every output in one ffmpeg process (`ffmpeg.PassAll`, what kurz ran before).")
	note(sec, "The sequential ladder runs %d ffmpeg processes: one per rendition (each decodes the source again) and one for poster + preview, same encoder settings as kurz's.", len(seqCmds))
	return nil
}

// waitPlayable polls a video every 50 ms until it is ready and returns
// how long after from it was first seen playable (or ready, for a build
// without that status) and ready.
func waitPlayable(base, token, id string, from time.Time) (playable, ready time.Duration, err error) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var v videoJSON
		if _, err := call(base, "GET", "/api/v1/videos/"+id, token, nil, &v); err != nil {
			return 0, 0, err
		}
		switch v.Status {
		case "playable":
			if playable == 0 {
				playable = time.Since(from)
			}
		case "ready":
			ready = time.Since(from)
			if playable == 0 {
				playable = ready
			}
			return playable, ready, nil
		case "processing", "uploading":
		default:
			return 0, 0, fmt.Errorf("kurz transcode ended %s: %s", v.Status, v.Error)
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("video %s still %s after 10 minutes", id, v.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func rungNames(r []ffmpeg.Rung) string {
	var s []string
	for _, x := range r {
		s = append(s, x.Name)
	}
	return strings.Join(s, ", ")
}

// sequentialLadder returns one ffmpeg command per rendition (each decodes
// the input again), then one for poster and preview, with the encoder
// settings of kurz's one pass.
func sequentialLadder(input string, info *ffmpeg.Info, rungs []ffmpeg.Rung, threads int) [][]string {
	fps := info.FPS
	if fps <= 0 || fps > 30 {
		fps = 30
	}
	gop := strconv.Itoa(max(1, int(math.Round(fps*2))))
	fit := func(w, h int) string {
		return fmt.Sprintf("fps=%g,scale=%d:%d:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p", fps, w, h, w, h)
	}
	var out [][]string
	for i, rg := range rungs {
		d := "v" + strconv.Itoa(i)
		a := []string{"-nostdin", "-hide_banner", "-nostats", "-v", "error", "-y", "-i", "file:" + input, "-vf", fit(rg.Width, rg.Height),
			"-map", "0:v:0", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", rg.Profile, "-crf", strconv.Itoa(rg.CRF),
			"-maxrate", strconv.Itoa(rg.MaxRate/1000) + "k", "-bufsize", strconv.Itoa(2*rg.MaxRate/1000) + "k",
			"-g", gop, "-keyint_min", gop, "-sc_threshold", "0", "-threads:v", strconv.Itoa(threads)}
		if info.HasAudio {
			a = append(a, "-map", "0:a:0", "-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a", strconv.Itoa(rg.AudioRate/1000)+"k")
		}
		a = append(a, "-map_metadata", "-1", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", "-hls_list_size", "0",
			"-hls_flags", "independent_segments", "-hls_segment_filename", d+"/seg_%05d.ts", d+"/index.m3u8")
		out = append(out, a)
	}
	top := rungs[len(rungs)-1]
	out = append(out, []string{"-nostdin", "-hide_banner", "-nostats", "-v", "error", "-y", "-i", "file:" + input,
		"-filter_complex", fmt.Sprintf("[0:v:0]split=2[a][b];[a]trim=start_frame=30:end_frame=31,scale=%d:%d:force_original_aspect_ratio=decrease,format=yuvj420p[poster];[b]trim=duration=3,scale=360:-2,setsar=1,format=yuv420p[preview]", top.Width, top.Height),
		"-map", "[poster]", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-f", "image2", "-update", "1", "poster.jpg",
		"-map", "[preview]", "-an", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "main", "-crf", "28", "-maxrate", "600k",
		"-bufsize", "1200k", "-g", gop, "-threads:v", strconv.Itoa(threads), "-movflags", "+faststart", "-f", "mp4", "preview.mp4"})
	return out
}

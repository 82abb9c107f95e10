package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// benchTakedown: three region processes; a public video of a us creator is
// unpublished at the us door, and eu and sg are polled until they answer
// 404. Each takedown is followed by re-publishing the same video (and
// waiting until eu and sg show it again), so every takedown is a fresh
// entry in the public log.
func benchTakedown() error {
	const sec = "5. Takedown propagation (3 region processes)"
	secretRaw := make([]byte, 32)
	rand.Read(secretRaw)
	secret := base64.StdEncoding.EncodeToString(secretRaw)
	regions := []string{"eu", "us", "sg"}
	addrs := map[string]string{}
	for _, r := range regions {
		addrs[r] = freePort()
	}
	var cmds []string
	for _, r := range regions {
		args := []string{"--regions", r, "--data", filepath.Join(workDir, "takedown-"+r), "--directory", "eu",
			"--trusted-proxy", "127.0.0.1/32", "--signups-per-ip", "1000"}
		for _, p := range regions {
			if p != r {
				args = append(args, "--peer", p+"=http://"+addrs[p])
			}
		}
		if _, err := startKurz("kurz-"+r, addrs[r], []string{"KURZ_LINK_SECRET=" + secret}, args...); err != nil {
			return err
		}
		cmds = append(cmds, shortCmd("KURZ_LINK_SECRET=… kurz serve --addr "+addrs[r]+" "+strings.Join(args, " ")))
	}
	us := "http://" + addrs["us"]
	creator, err := signUpLogin(us, "takedowncreator", "US", "")
	if err != nil {
		return err
	}
	clip := filepath.Join(workDir, "takedown-clip.mp4")
	if _, err := makeClip(clip, 360, 640, 2); err != nil {
		return err
	}
	up, err := tusUpload(us+"/api/v1/uploads/", creator.Token, clip, map[string]string{"caption": "takedown #bench", "visibility": "public"}, 8<<20)
	if err != nil {
		return err
	}
	v, err := waitVideo(us, creator.Token, up.VideoID, 50*time.Millisecond, 3*time.Minute)
	if err != nil {
		return err
	}
	if v.Status != "ready" {
		return fmt.Errorf("takedown video: %s %s", v.Status, v.Error)
	}
	id := v.ID
	others := []string{"http://" + addrs["eu"], "http://" + addrs["sg"]}
	status := func(base string) int {
		resp, err := http.Get(base + "/api/v1/videos/" + id)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// waitAll polls every door each ms until it answers want, returning
	// the time each took from t0.
	waitAll := func(t0 time.Time, want int) ([]float64, error) {
		out := make([]float64, len(others))
		errs := make([]error, len(others))
		var wg sync.WaitGroup
		for i, b := range others {
			wg.Go(func() {
				deadline := t0.Add(30 * time.Second)
				for status(b) != want {
					if time.Now().After(deadline) {
						errs[i] = fmt.Errorf("%s never answered %d for %s", b, want, id)
						return
					}
					time.Sleep(time.Millisecond)
				}
				out[i] = time.Since(t0).Seconds()
			})
		}
		wg.Wait()
		for _, e := range errs {
			if e != nil {
				return nil, e
			}
		}
		return out, nil
	}
	if _, err := waitAll(time.Now(), 200); err != nil {
		return fmt.Errorf("first publication: %w", err)
	}
	var all, worst []float64
	for i := 0; i < o.takedowns; i++ {
		t0 := time.Now()
		if _, err := call(us, "PATCH", "/api/v1/videos/"+id, creator.Token, map[string]string{"visibility": "private"}, &struct{}{}); err != nil {
			return err
		}
		ts, err := waitAll(t0, 404)
		if err != nil {
			return err
		}
		all = append(all, ts...)
		worst = append(worst, max(ts[0], ts[1]))
		if _, err := call(us, "PATCH", "/api/v1/videos/"+id, creator.Token, map[string]string{"visibility": "public"}, &struct{}{}); err != nil {
			return err
		}
		if _, err := waitAll(time.Now(), 200); err != nil {
			return fmt.Errorf("re-publication: %w", err)
		}
	}
	cmd := fmt.Sprintf("PATCH /api/v1/videos/{id} {visibility: private} at us; poll GET /api/v1/videos/{id} at eu and sg every 1 ms until 404; %d takedowns", o.takedowns)
	// One "round" per takedown: the tables then show median and min-max.
	for _, x := range worst {
		record(sec, "kurz (gone at both eu and sg)", "seconds", "s", cmd, x)
	}
	note(sec, "Over %d takedowns: p50 %.3f s, p99 %.3f s, max %.3f s until gone at both other regions (target p99 ≤ 1 s); per door (eu and sg separately, %d samples): p50 %.3f s, p99 %.3f s.",
		len(worst), percentile(worst, 50), percentile(worst, 99), percentile(worst, 100), len(all), percentile(all, 50), percentile(all, 99))
	note(sec, "Timed from sending the PATCH; includes the PATCH itself (the owner's transaction writes the log entry), the peers' long poll of the us log (`/link/v1/log?wait=8`), applying the entry, and one poll interval.")
	note(sec, "Processes: %s", joinCode(cmds))
	log.Printf("takedown: p50 %.3f p99 %.3f", percentile(worst, 50), percentile(worst, 99))
	return nil
}

func joinCode(cmds []string) string {
	s := ""
	for i, c := range cmds {
		if i > 0 {
			s += "; "
		}
		s += "`" + c + "`"
	}
	return s
}

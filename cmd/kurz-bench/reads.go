package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// benchReads: a public video's API record and page, a profile (API and
// page) and a hashtag page, anonymous and signed in (64 connections), each
// beside nginx serving the same body as a static file, round by round.
// With -baseline-kurz the earlier build answers the same requests on the
// same data in each round too (one process at a time).
func benchReads() error {
	const sec = "14. Public reads: a video's record and page, a profile, a tag page (64 connections)"
	viewers := 16
	if o.quick {
		viewers = 4
	}
	c := newCatalogue(viewers)
	env := []string{"KURZ_LINK_SECRET=" + c.secret}
	kAddr, nAddr := freePort(), freePort()
	base := "http://" + kAddr
	c.peerAddr["eu"] = kAddr
	if err := c.signUpAll("reads", base, env); err != nil {
		return err
	}
	size := o.sizes[0]
	if err := c.grow(size); err != nil {
		return err
	}
	script := filepath.Join(workDir, "reads.lua")
	if err := os.WriteFile(script, []byte(luaTokens(c.viewers)), 0o644); err != nil {
		return err
	}
	// What is asked: an eu video (the region under test owns it), its
	// creator's profile, and one of its hashtags.
	p, err := startKurz("kurz-reads", kAddr, env, c.serveArgs()...)
	if err != nil {
		return err
	}
	handle := c.handles[c.creators[0]]
	var list struct {
		Items []struct {
			ID       string   `json:"id"`
			Hashtags []string `json:"hashtags"`
		} `json:"items"`
	}
	if _, err := call(base, "GET", "/api/v1/users/"+handle+"/videos", "", nil, &list); err != nil {
		p.stop()
		return err
	}
	if len(list.Items) == 0 || len(list.Items[0].Hashtags) == 0 {
		p.stop()
		return fmt.Errorf("reads: @%s has no public video with a hashtag", handle)
	}
	id, tag := list.Items[0].ID, list.Items[0].Hashtags[0]
	targets := []struct{ name, path, file, ctype string }{
		{"video record (API)", "/api/v1/videos/" + id, "record.json", "application/json"},
		{"video page", "/v/" + id, "page.html", "text/html"},
		{"profile (API)", "/api/v1/users/" + handle, "profile.json", "application/json"},
		{"profile page", "/@" + handle, "profile.html", "text/html"},
		{"tag page", "/tag/" + tag, "tag.html", "text/html"},
	}
	static := filepath.Join(workDir, "reads-static")
	os.MkdirAll(static, 0o755)
	var locs strings.Builder
	sizes := map[string]int{}
	for _, t := range targets {
		resp, err := client.Get(base + t.path)
		if err != nil {
			p.stop()
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			p.stop()
			return fmt.Errorf("reads: GET %s: %d %s", t.path, resp.StatusCode, body)
		}
		if err := os.WriteFile(filepath.Join(static, t.file), body, 0o644); err != nil {
			p.stop()
			return err
		}
		sizes[t.name] = len(body)
		fmt.Fprintf(&locs, "location = /%s { default_type %s; }\n", t.file, t.ctype)
	}
	p.stop()
	builds := [][2]string{{tools.kurz, "kurz"}}
	if baselineKurz != "" {
		builds = append([][2]string{{baselineKurz, "kurz baseline"}}, builds...)
	}
	// nginx logs nothing per request (access_log off, errors at warn):
	// kurz is run the same way, not writing a request line per answer.
	quiet := append(c.serveArgs(), "--log-level", "warn")
	for round := 0; round < o.rounds; round++ {
		for _, b := range builds {
			p, err := startBin(b[0], "kurz-reads", kAddr, env, quiet...)
			if err != nil {
				return err
			}
			for _, t := range targets {
				for _, signed := range []bool{false, true} {
					who, lua := "anonymous", ""
					if signed {
						who, lua = "signed in", script
					}
					profile := ""
					if b[0] == tools.kurz {
						profile = profPathIf(true, "reads", t.name+" "+who, round)
					}
					r, err := runWrk(base+t.path, o.wrkDur, lua, profPID(round, p), profile)
					if err != nil {
						p.stop()
						return err
					}
					cmd := shortCmd(r.cmd)
					if signed {
						cmd += fmt.Sprintf("  (reads.lua: %d viewers' tokens round-robin)", len(c.viewers))
					}
					record(sec, fmt.Sprintf("%s %s, %s", b[1], t.name, who), "requests/s", "req/s", cmd, r.rps)
					record(sec, fmt.Sprintf("%s %s, %s", b[1], t.name, who), "p99", "ms", cmd, r.p99)
				}
			}
			p.stop()
		}
		ng, err := startNginx(static, nAddr, locs.String())
		if err != nil {
			return err
		}
		for _, t := range targets {
			// The signed-in runs' wrk makes each request in Lua (a token
			// per request), which costs wrk CPU on the same 2 cores: nginx
			// is measured with the same script (it ignores the header).
			for _, signed := range []bool{false, true} {
				lua, nl := "", nginxLabel(t.name, sizes[t.name], signed)
				if signed {
					lua = script
				}
				r, err := runWrk("http://"+nAddr+"/"+t.file, o.wrkDur, lua, 0, "")
				if err != nil {
					ng.stop()
					return err
				}
				record(sec, nl, "requests/s", "req/s", shortCmd(r.cmd), r.rps)
				record(sec, nl, "p99", "ms", shortCmd(r.cmd), r.p99)
			}
		}
		ng.stop()
		log.Printf("reads round %d done", round+1)
	}
	for _, t := range targets {
		target := ""
		if strings.HasPrefix(t.name, "video") {
			target = "≥ 0.3×"
		}
		for _, who := range []string{"anonymous", "signed in"} {
			nl := nginxLabel(t.name, sizes[t.name], who == "signed in")
			for _, b := range builds {
				addRatio(sec, fmt.Sprintf("%s / nginx requests/s, %s, %s", b[1], t.name, who),
					[2]string{fmt.Sprintf("%s %s, %s", b[1], t.name, who), "requests/s"}, [2]string{nl, "requests/s"}, target)
			}
		}
	}
	note(sec, "Catalogue of %d videos written like the feed benchmark's (a third eu's own, two thirds replicas of us and sg); the video asked is eu's own (newest of @%s), the profile its creator's, the tag page one of its hashtags. %d viewers signed up and signed in through the API; signed-in runs cycle through their tokens (`Authorization: Bearer`, which the pages accept as well as the session cookie).", size, handle, len(c.viewers))
	note(sec, "kurz runs with `--log-level warn` (no request log line), as nginx runs with `access_log off`; the signed-in runs' ratios are against nginx driven by the same wrk script (a token header per request, made in Lua), so both sides pay the same client cost.")
	note(sec, "nginx serves each body (as kurz answered it to an anonymous request) from a file. The region runs alone (`--regions eu`), restarted for each build in each round; wrk (2 threads, 64 connections) shares the 2 cores with the server. Reproduce: `go run ./cmd/kurz-bench -only reads -sizes %d [-baseline-kurz BIN]`.", size)
	if baselineKurz != "" {
		note(sec, "The baseline build is `%s`, run in turn with this build on the same data (-baseline-kurz).", baselineKurz)
	}
	return nil
}

// nginxLabel names nginx's runs of a target: anonymous, or driven by the
// signed-in runs' script.
func nginxLabel(name string, size int, signed bool) string {
	if signed {
		return fmt.Sprintf("nginx static %s (%d B), signed-in script", name, size)
	}
	return fmt.Sprintf("nginx static %s (%d B)", name, size)
}

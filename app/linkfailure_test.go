package app_test

import (
	"encoding/base64"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestLinkFailuresShow: a wrong link secret, a peer URL that reaches the
// wrong process and processes with different topologies each produce a
// WARN naming the cause on both sides, and the cause is shown in
// /api/v1/regions to the region's staff (and to nobody else).
func TestLinkFailuresShow(t *testing.T) {
	t.Parallel()
	secret := func(name string) string {
		return secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary(name)+"0123456789abcdef0123")))
	}
	shared := secret("shared-secret-")
	// Each case starts eu and us right, signs up eu's admin, then restarts
	// one process with the mistake.
	cases := []struct {
		name    string
		restart string   // the process restarted with the mistake
		mistake []string // its flag that replaces the right one
		cause   string
	}{
		{name: "wrong secret", restart: "us", mistake: []string{"--link-secret-file", secret("other-secret-")}, cause: "bad signature"},
		{name: "topology mismatch", restart: "us", mistake: []string{"--link-secret-file", shared, "--directory", "us"}, cause: "topologies differ"},
		// eu's peer URL for us reaches eu's own process, which does not
		// serve us.
		{name: "wrong URL", restart: "eu", cause: "not served by this process"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			euAddr, usAddr := freeAddr(t), freeAddr(t)
			euDir, usDir := t.TempDir(), t.TempDir()
			euArgs := func(usURL string) []string {
				return []string{"--regions", "eu,sg", "--data", euDir, "--directory", "eu", "--peer", "us=" + usURL, "--link-secret-file", shared}
			}
			usArgs := func(extra ...string) []string {
				args := []string{"--regions", "us", "--data", usDir, "--directory", "eu", "--peer", "eu=http://" + euAddr, "--peer", "sg=http://" + euAddr}
				if len(extra) == 0 {
					extra = []string{"--link-secret-file", shared}
				}
				return append(args, extra...)
			}
			eu := startProcess(t, euAddr, euArgs("http://"+usAddr)...)
			us := startProcess(t, usAddr, usArgs()...)
			s := &server{t: t, base: "http://" + euAddr, logs: eu.logs}
			boss := s.signUp("linkboss", "linkboss@example.org", "1980-01-01", "DE")
			s.login(&boss)
			if out, err := exec.Command(kurzBinary(t), "admin", "grant", "--region", "eu", "--handle", "linkboss", "--role", "admin", "--data", euDir).CombinedOutput(); err != nil {
				t.Fatalf("admin grant: %v\n%s", err, out)
			}
			s.enrolTOTP(&boss) // staff see causes only with a second factor
			receiver := us
			if tc.restart == "us" {
				us.stop()
				us = startProcess(t, usAddr, usArgs(tc.mistake...)...)
				receiver = us
			} else {
				eu.stop()
				eu = startProcess(t, euAddr, euArgs("http://"+euAddr)...)
				receiver, s.logs = eu, eu.logs
			}
			waitFor(t, "eu's WARN naming the cause", func() bool {
				return hasLogLine(eu.logs.String(), `"msg":"peer region unreachable"`, `"peer":"us"`, tc.cause)
			})
			waitFor(t, "the receiving side's WARN naming the cause", func() bool {
				return hasLogLine(receiver.logs.String(), `"msg":"link request refused"`, `"from":"eu"`, tc.cause)
			})

			type regions struct {
				Regions map[string]struct {
					Peers map[string]struct {
						Up     bool
						Reason string
					}
				}
			}
			var staff, anon regions
			s.do("GET", "/api/v1/regions", nil, "Authorization", "Bearer "+boss.Token).json(t, &staff)
			s.do("GET", "/api/v1/regions", nil).json(t, &anon)
			if p := staff.Regions["eu"].Peers["us"]; p.Up || !strings.Contains(p.Reason, tc.cause) {
				t.Fatalf("eu's view of us for staff: %+v, want down because of %q", p, tc.cause)
			}
			if p := anon.Regions["eu"].Peers["us"]; p.Up || p.Reason != "" {
				t.Fatalf("eu's view of us for anyone: %+v, want down without a reason", p)
			}
			if tc.name == "wrong secret" {
				// us cannot reach its directory region: after a grace of
				// 30 s its readiness says so.
				usServer := &server{t: t, base: "http://" + usAddr, logs: us.logs}
				deadline := time.Now().Add(90 * time.Second)
				for {
					r := usServer.do("GET", "/readyz", nil)
					if r.Status == 503 && strings.Contains(string(r.Body), "directory region eu unreachable") {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("us's readiness without its directory region: %d %s", r.Status, r.Body)
					}
					time.Sleep(500 * time.Millisecond)
				}
			}
		})
	}
}

// hasLogLine says whether one line of logs holds every part.
func hasLogLine(logs string, parts ...string) bool {
	for _, l := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/app"
	"kurz/cell"
	"kurz/internal/mediatest"
)

// decideOn files a notice about a video, and has mod claim and decide it.
func (s *server) decideOn(mod account, region, videoID string, decision map[string]any) {
	s.t.Helper()
	s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": videoID, "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "explanation": "check"})
	var item string
	for _, it := range s.queue(mod, region) {
		if it.TargetID == videoID {
			item = it.ID
		}
	}
	s.do("POST", "/api/v1/moderation/"+region+"/items/"+item+"/claim", nil, "Authorization", "Bearer "+mod.Token)
	if r := s.do("POST", "/api/v1/moderation/"+region+"/items/"+item+"/decide", decision, "Authorization", "Bearer "+mod.Token); r.Status != 201 {
		s.t.Fatalf("decide %v: %d %s", decision, r.Status, r.Body)
	}
}

// TestEnforcement: reduce reach keeps a video out of For You, age
// restriction keeps it from minors, suspension ends sessions and sign-in,
// word filters refuse captions and comments, and new accounts' first
// uploads wait for review.
func TestEnforcement(t *testing.T) {
	t.Parallel()
	var dataDir string
	s := newServer(t, func(c *app.Config) {
		c.HoldNewUploads = 1
		dataDir = c.DataDir
		os.MkdirAll(filepath.Join(c.DataDir, "eu"), 0o700)
		os.WriteFile(filepath.Join(c.DataDir, "eu", "wordfilter.txt"), []byte("# operator list\nbadword\nvery bad phrase\n"), 0o600)
	})
	_ = dataDir
	creator := s.signUp("enforced", "enforced@example.org", "1990-01-01", "DE")
	s.login(&creator)
	mod := s.signUp("enfmod", "enfmod@example.org", "1985-01-01", "DE")
	s.login(&mod)
	if err := s.grantStaff("eu", mod, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	viewer := s.signUp("enfviewer", "enfviewer@example.org", "1990-01-01", "FR")
	s.login(&viewer)
	teen := s.signUp("enfteen", "enfteen@example.org", time.Now().AddDate(-15, 0, 0).Format(time.DateOnly), "FR")
	s.login(&teen)

	// The new account's first upload is held for review.
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatestClip(t, clip)
	first := s.tusUpload(creator.Token, clip, map[string]string{"caption": "first"}, 1, "")
	waitFor(t, "the first upload to be held", func() bool {
		var v videoJSON
		s.do("GET", "/api/v1/videos/"+first.VideoID, nil, "Authorization", "Bearer "+creator.Token).json(t, &v)
		return v.Status == "held"
	})
	if r := s.do("GET", "/api/v1/videos/"+first.VideoID, nil); r.Status != 404 {
		t.Fatalf("a held video is public: %d", r.Status)
	}
	var hold string
	for _, it := range s.queue(mod, "eu") {
		if it.Kind == "hold" && it.TargetID == first.VideoID {
			hold = it.ID
		}
	}
	s.do("POST", "/api/v1/moderation/eu/items/"+hold+"/claim", nil, "Authorization", "Bearer "+mod.Token)
	if r := s.do("POST", "/api/v1/moderation/eu/items/"+hold+"/decide", map[string]any{"action": "no_action", "ground": "terms", "explanation": "fine"},
		"Authorization", "Bearer "+mod.Token); r.Status != 201 {
		t.Fatalf("release: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the released video to be public", func() bool { return s.do("GET", "/api/v1/videos/"+first.VideoID, nil).Status == 200 })
	second := s.publish(creator, "second") // only the first upload is held

	forYou := func(a account) map[string]bool {
		var fy feedPage
		s.do("GET", "/api/v1/feed?kind=foryou", nil, "Authorization", "Bearer "+a.Token).json(t, &fy)
		out := map[string]bool{}
		for _, it := range fy.Items {
			out[it.ID] = true
		}
		return out
	}
	waitFor(t, "both videos in For You", func() bool { f := forYou(viewer); return f[first.VideoID] && f[second] })

	s.decideOn(mod, "eu", first.VideoID, map[string]any{"action": "reduce_reach", "ground": "terms", "explanation": "borderline"})
	s.decideOn(mod, "eu", second, map[string]any{"action": "age_restrict", "ground": "terms", "explanation": "not for minors"})
	waitFor(t, "restrictions in For You", func() bool {
		f, ft := forYou(viewer), forYou(teen)
		return !f[first.VideoID] && f[second] && !ft[second]
	})
	// Reduced reach is not removal: the video page still works.
	if r := s.do("GET", "/api/v1/videos/"+first.VideoID, nil); r.Status != 200 {
		t.Fatalf("reduced video: %d", r.Status)
	}

	// Word filters.
	if r := s.do("POST", "/api/v1/videos/"+second+"/comments", map[string]string{"text": "what a BadWord here"}, "Authorization", "Bearer "+viewer.Token); r.Status != 400 {
		t.Fatalf("filtered comment: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/videos/"+second+"/comments", map[string]string{"text": "badwords are fine as part of a word? no: badwordy"}, "Authorization", "Bearer "+viewer.Token); r.Status != 201 {
		t.Fatalf("a comment with the word only inside another: %d %s", r.Status, r.Body)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+second, map[string]string{"caption": "a very bad phrase indeed"}, "Authorization", "Bearer "+creator.Token); r.Status != 400 {
		t.Fatalf("filtered caption: %d", r.Status)
	}

	// Suspension ends sessions and sign-in until its end date.
	s.decideOn(mod, "eu", second, map[string]any{"action": "suspend", "ground": "terms", "explanation": "repeated violations",
		"end_date": time.Now().AddDate(0, 0, 7).Format(time.DateOnly)})
	if r := s.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+creator.Token); r.Status != 401 {
		t.Fatalf("session after suspension: %d", r.Status)
	}
	r := s.do("POST", "/api/v1/sessions", map[string]string{"login": creator.Handle, "password": creator.Password})
	if r.Status != 403 || !strings.Contains(string(r.Body), "suspended until") {
		t.Fatalf("sign-in while suspended: %d %s", r.Status, r.Body)
	}
}

func mediatestClip(t *testing.T, path string) { mediatest.Clip(t, path, 360, 640, 1, true) }

// TestReporterStandingAndGrants: an admin grants a moderator role through
// the API (audited; others may not); notifiers whose notices keep needing
// no action are slowed, then suspended from reporting.
func TestReporterStandingAndGrants(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	admin := s.signUp("regionadmin", "regionadmin@example.org", "1980-01-01", "DE")
	s.login(&admin)
	if err := s.grantStaff("eu", admin, cell.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	mod := s.signUp("newmod", "newmod@example.org", "1985-01-01", "US")
	s.login(&mod)
	if r := s.do("POST", "/api/v1/admin/regions/eu/roles", map[string]string{"handle": "regionadmin", "role": "moderator"}, "Authorization", "Bearer "+mod.Token); r.Status != 403 {
		t.Fatalf("a non-admin grants: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/admin/regions/eu/roles", map[string]string{"handle": "newmod", "role": "moderator"}, "Authorization", "Bearer "+admin.Token); r.Status != 201 {
		t.Fatalf("admin grants: %d %s", r.Status, r.Body)
	}
	s.enrolTOTP(&mod) // staff actions need a second factor
	entries, _ := s.Cell("eu").Store.AuditEntries(t.Context(), mod.ID)
	if len(entries) != 1 || entries[0].Action != "grant" || entries[0].ActorID != admin.ID {
		t.Fatalf("grant audit: %+v", entries)
	}

	creator := s.signUp("innocent", "innocent@example.org", "1990-01-01", "DE")
	s.login(&creator)
	troll := s.signUp("troll", "troll@example.org", "1990-01-01", "DE")
	s.login(&troll)
	var vids []string
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatestClip(t, clip)
	for i := 0; i < 4; i++ {
		res := s.tusUpload(creator.Token, clip, map[string]string{"caption": "fine"}, 1, "")
		s.waitVideo(creator.Token, res.VideoID)
		vids = append(vids, res.VideoID)
	}
	report := func(id string) *response {
		return s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": id, "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
			"explanation": "I just do not like this person"}, "Authorization", "Bearer "+troll.Token)
	}
	for _, id := range vids[:3] {
		if r := report(id); r.Status != 201 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		var item string
		for _, it := range s.queue(mod, "eu") {
			if it.TargetID == id {
				item = it.ID
			}
		}
		s.do("POST", "/api/v1/moderation/eu/items/"+item+"/claim", nil, "Authorization", "Bearer "+mod.Token)
		if r := s.do("POST", "/api/v1/moderation/eu/items/"+item+"/decide", map[string]any{"action": "no_action", "ground": "terms",
			"explanation": "Nothing wrong here."}, "Authorization", "Bearer "+mod.Token); r.Status != 201 {
			t.Fatalf("no action: %d %s", r.Status, r.Body)
		}
	}
	// Three unfounded notices: the next one within the hour is refused.
	if r := report(vids[3]); r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth notice of a repeat unfounded notifier: %d %s", r.Status, r.Body)
	}
	// Someone else may still report it.
	if r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": vids[3], "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
		"explanation": "real problem"}, "Authorization", "Bearer "+admin.Token); r.Status != 201 {
		t.Fatalf("another notifier: %d", r.Status)
	}
}

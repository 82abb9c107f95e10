package app_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/app"
	"kurz/cell"
	"kurz/internal/mediatest"
	"kurz/transparency"
)

// queueItem is a queue item as the API serves it (snake_case).
type queueItem struct {
	ID                 string `json:"id"`
	Kind               string `json:"kind"`
	TargetID           string `json:"target_id"`
	Status             string `json:"status"`
	Category           string `json:"category"`
	Reports            int    `json:"reports"`
	AppealOf           string `json:"appeal_of"`
	Resolution         string `json:"resolution"`
	Waiting            string `json:"waiting"`
	ClaimedBy          string `json:"claimed_by"`
	ClaimExpiresAt     string `json:"claim_expires_at"`
	ConflictOfInterest string `json:"conflict_of_interest"`
	Explanation        string `json:"explanation"`
}

func (s *server) queue(mod account, region string) []queueItem {
	s.t.Helper()
	var out struct {
		Items []queueItem `json:"items"`
	}
	r := s.do("GET", "/api/v1/moderation/"+region+"/queue", nil, "Authorization", "Bearer "+mod.Token)
	if r.Status != 200 {
		s.t.Fatalf("queue: %d %s", r.Status, r.Body)
	}
	r.json(s.t, &out)
	return out.Items
}

func (s *server) statements(a account) []map[string]any {
	s.t.Helper()
	var n struct {
		Items []struct {
			Kind string
			Data json.RawMessage
		}
	}
	s.do("GET", "/api/v1/me/notifications", nil, "Authorization", "Bearer "+a.Token).json(s.t, &n)
	var out []map[string]any
	for _, it := range n.Items {
		if it.Kind == "statement_of_reasons" {
			var m map[string]any
			json.Unmarshal(it.Data, &m)
			if st, ok := m["statement"].(map[string]any); ok {
				m = st
			}
			out = append(out, m)
		}
	}
	return out
}

var statementFields = []string{"puid", "decision_visibility", "decision_ground", "category", "content_type", "territorial_scope",
	"application_date", "decision_facts", "source_type", "automated_detection", "automated_decision", "platform_name"}

func TestNoticeAndAction(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("uscreator", "uscreator@example.com", "1990-01-01", "US")
	s.login(&creator)
	notifier := s.signUp("sgnotifier", "sgnotifier@example.sg", "1990-01-01", "SG")
	s.login(&notifier)
	modA := s.signUp("moda", "moda@example.com", "1985-01-01", "US")
	s.login(&modA)
	modB := s.signUp("modb", "modb@example.com", "1985-01-01", "CA")
	s.login(&modB)
	euMod := s.signUp("eumod", "eumod@example.org", "1985-01-01", "DE")
	s.login(&euMod)
	for _, g := range []struct {
		region string
		a      account
	}{{"us", modA}, {"us", modB}, {"eu", euMod}} {
		if err := s.grantStaff(kurzRegion(g.region), g.a, cell.RoleModerator); err != nil {
			t.Fatal(err)
		}
	}
	id := s.publish(creator, "a video someone dislikes")
	waitFor(t, "the video in every catalogue", func() bool {
		_, a := s.Cell("eu").Index.Video(id)
		_, b := s.Cell("sg").Index.Video(id)
		return a && b
	})

	// A notice in sg about a us video lands in the us queue.
	r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": id,
		"category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "explanation": "asks for bank details"}, "Authorization", "Bearer "+notifier.Token)
	if r.Status != 201 {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	var receipt struct {
		NoticeID string `json:"notice_id"`
	}
	r.json(t, &receipt)
	if r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": id, "category": "bogus", "explanation": "x"}); r.Status != 400 {
		t.Fatalf("bad category: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": id, "category": "STATEMENT_CATEGORY_VIOLENCE",
		"explanation": "illegal", "illegal": true}); r.Status != 400 {
		t.Fatalf("illegal-content notice without legal ground and contact: %d", r.Status)
	}
	items := s.queue(modA, "us")
	if len(items) != 1 || items[0].TargetID != id || items[0].Reports != 1 {
		t.Fatalf("us queue: %+v", items)
	}
	if q := s.queue(euMod, "eu"); len(q) != 0 {
		t.Fatalf("eu queue: %+v", q)
	}
	item := items[0].ID
	// An eu moderator cannot open the us item.
	if r := s.do("POST", "/api/v1/moderation/us/items/"+item+"/claim", nil, "Authorization", "Bearer "+euMod.Token); r.Status != 403 {
		t.Fatalf("eu moderator claims a us item: %d", r.Status)
	}
	if r := s.do("GET", "/api/v1/moderation/us/queue", nil, "Authorization", "Bearer "+creator.Token); r.Status != 403 {
		t.Fatalf("a non-moderator reads the queue: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/moderation/us/items/"+item+"/claim", nil, "Authorization", "Bearer "+modA.Token); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/moderation/us/items/"+item+"/claim", nil, "Authorization", "Bearer "+modB.Token); r.Status != 409 {
		t.Fatalf("second claim: %d", r.Status)
	}
	r = s.do("POST", "/api/v1/moderation/us/items/"+item+"/decide", map[string]any{"action": "remove", "ground": "terms",
		"explanation": "Scams are not allowed.", "facts": "The video asks viewers for bank details.", "block_media": true}, "Authorization", "Bearer "+modA.Token)
	if r.Status != 201 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	var st map[string]any
	r.json(t, &st)
	decision, _ := st["puid"].(string)

	// Gone in all three regions: API and media.
	waitFor(t, "the removal everywhere", func() bool {
		for _, region := range []string{"eu", "us", "sg"} {
			if _, ok := s.Cell(kurzRegion(region)).Index.Video(id); ok {
				return false
			}
		}
		return s.do("GET", "/api/v1/videos/"+id, nil).Status == 404 && s.do("GET", "/media/"+id+"/master.m3u8", nil).Status == 404
	})
	var own struct{ Status, Error string }
	s.do("GET", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+creator.Token).json(t, &own)
	if own.Status != "removed" || !strings.Contains(own.Error, "Scams are not allowed") {
		t.Fatalf("the owner sees %+v", own)
	}
	// Both the uploader and the notifier got a statement with every field.
	for _, who := range []account{creator, notifier} {
		var got map[string]any
		waitFor(t, "a statement for "+who.Handle, func() bool {
			list := s.statements(who)
			if len(list) > 0 {
				got = list[0]
			}
			return got != nil
		})
		for _, f := range statementFields {
			if v, ok := got[f]; !ok || v == "" || v == nil {
				t.Errorf("%s's statement lacks %s: %v", who.Handle, f, got)
			}
		}
		if got["puid"] != decision {
			t.Errorf("%s's statement is about %v, want %s", who.Handle, got["puid"], decision)
		}
	}
	var status struct {
		Status    string
		Statement map[string]any
	}
	s.do("GET", "/api/v1/reports/"+receipt.NoticeID, nil).json(t, &status)
	if status.Status != "decided" || status.Statement["puid"] != decision {
		t.Fatalf("receipt status: %+v", status)
	}

	// The uploader appeals; the same moderator may not decide it; another
	// one reverses it and the video is back everywhere.
	r = s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": decision, "explanation": "It was a parody of scams."}, "Authorization", "Bearer "+creator.Token)
	if r.Status != 201 {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": decision, "explanation": "again"}, "Authorization", "Bearer "+creator.Token); r.Status != 409 {
		t.Fatalf("second appeal: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": decision, "explanation": "me too"}, "Authorization", "Bearer "+modB.Token); r.Status != 403 && r.Status != 409 {
		t.Fatalf("an unrelated person appeals: %d", r.Status)
	}
	var appealItem string
	for _, it := range s.queue(modA, "us") {
		if it.Kind == "appeal" {
			appealItem = it.ID
			if it.ConflictOfInterest == "" {
				t.Errorf("the queue does not tell the original moderator they may not take the appeal: %+v", it)
			}
		}
	}
	if appealItem == "" {
		t.Fatal("no appeal in the queue")
	}
	// The moderator who decided may not claim the appeal: refused up front,
	// so the item stays free and a second moderator takes it at once.
	if r := s.do("POST", "/api/v1/moderation/us/items/"+appealItem+"/claim", nil, "Authorization", "Bearer "+modA.Token); r.Status != 403 {
		t.Fatalf("the same moderator claims the appeal: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/moderation/us/items/"+appealItem+"/decide", map[string]any{"action": "reverse", "explanation": "ok"},
		"Authorization", "Bearer "+modA.Token); r.Status != 403 && r.Status != 409 {
		t.Fatalf("the same moderator decides the appeal: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/moderation/us/items/"+appealItem+"/claim", nil, "Authorization", "Bearer "+modB.Token); r.Status != 200 {
		t.Fatalf("a second moderator claims the appeal: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/moderation/us/items/"+appealItem+"/decide", map[string]any{"action": "reverse",
		"explanation": "On review this is satire, not a scam."}, "Authorization", "Bearer "+modB.Token); r.Status != 201 {
		t.Fatalf("appeal decision: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the video back everywhere", func() bool {
		for _, region := range []string{"eu", "us", "sg"} {
			if _, ok := s.Cell(kurzRegion(region)).Index.Video(id); !ok {
				return false
			}
		}
		return s.do("GET", "/media/"+id+"/master.m3u8", nil).Status == 200
	})

	// The transparency report counts it all.
	rep, err := transparency.Report(t.Context(), s.Cell("us").Store, "us", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decisions != 2 || rep.ByAction["remove"] != 1 || rep.ByAction["reverse"] != 1 || rep.Appeals != 1 || rep.Reversals != 1 ||
		rep.Manual != 2 || rep.ByCategory["STATEMENT_CATEGORY_SCAMS_AND_FRAUD"] != 2 {
		t.Fatalf("report: %+v", rep)
	}

	// The transparency export has statements and no personal data.
	tr := s.do("GET", "/api/v1/transparency/statements", nil)
	if tr.Status != 200 || !strings.Contains(string(tr.Body), decision) {
		t.Fatalf("transparency: %d %s", tr.Status, tr.Body)
	}
	for _, personal := range []string{"@example", creator.Handle, notifier.Handle, modA.ID, "127.0.0.1"} {
		if strings.Contains(string(tr.Body), personal) {
			t.Fatalf("transparency export holds %q", personal)
		}
	}
}

// blockedClip has creator upload a 3 s clip in us and mod (a us
// moderator) remove it on a notice with "add to the block list". It
// returns the clip's file, a re-encoded copy of it (other resolution and
// bitrate) and the decision's ID.
func (s *server) blockedClip(t *testing.T, creator, mod account, dir string) (orig, copyPath, decision string) {
	t.Helper()
	orig = filepath.Join(dir, "orig.mp4")
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "testsrc2=s=540x960:r=30:d=3", "-f", "lavfi", "-i", "sine=d=3", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", "-c:a", "aac", orig)
	res := s.tusUpload(creator.Token, orig, map[string]string{"caption": "bad"}, 1, "")
	if v := s.waitVideo(creator.Token, res.VideoID); v.Status != "ready" {
		t.Fatalf("original: %+v", v)
	}
	s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": res.VideoID, "category": "STATEMENT_CATEGORY_VIOLENCE", "explanation": "graphic"})
	item := s.queue(mod, "us")[0].ID
	s.do("POST", "/api/v1/moderation/us/items/"+item+"/claim", nil, "Authorization", "Bearer "+mod.Token)
	r := s.do("POST", "/api/v1/moderation/us/items/"+item+"/decide", map[string]any{"action": "remove", "ground": "illegal", "legal_ground": "§ 131 StGB",
		"explanation": "Depiction of violence.", "block_media": true}, "Authorization", "Bearer "+mod.Token)
	if r.Status != 201 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	var st map[string]any
	r.json(t, &st)
	decision, _ = st["puid"].(string)
	copyPath = filepath.Join(dir, "copy.mkv")
	mediatest.FFmpeg(t, "-i", orig, "-vf", "scale=360:640", "-c:v", "libx264", "-preset", "veryfast", "-b:v", "400k", "-c:a", "aac", "-b:a", "64k", copyPath)
	return orig, copyPath, decision
}

// TestBlockedMedia: a removed video's fingerprint blocks a re-encoded copy
// (other bitrate and resolution) and a copy behind a 5 s intro at upload;
// an unrelated clip, and the intro alone, publish.
func TestBlockedMedia(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("blockee", "blockee@example.com", "1990-01-01", "US")
	s.login(&creator)
	mod := s.signUp("blockmod", "blockmod@example.com", "1985-01-01", "US")
	s.login(&mod)
	if err := s.grantStaff("us", mod, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	orig, copyPath, _ := s.blockedClip(t, creator, mod, dir)
	// The blocked clip behind a 5 s intro of something else, re-encoded.
	intro := filepath.Join(dir, "intro.mp4")
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "mandelbrot=s=180x320:r=30", "-f", "lavfi", "-i", "sine=f=220:d=5", "-t", "5", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", intro)
	padded := filepath.Join(dir, "padded.mp4")
	mediatest.FFmpeg(t, "-i", intro, "-i", orig, "-filter_complex", "[0:v]scale=540:960,setsar=1[i];[1:v]setsar=1[o];[i][0:a][o][1:a]concat=n=2:v=1:a=1[v][a]", "-map", "[v]", "-map", "[a]",
		"-c:v", "libx264", "-preset", "veryfast", "-b:v", "800k", "-c:a", "aac", padded)
	other := filepath.Join(dir, "other.mp4")
	mediatest.FFmpeg(t, "-f", "lavfi", "-i", "life=s=180x320:r=30:mold=10:ratio=0.5:death_color=#203040:life_color=#f0e0a0", "-f", "lavfi", "-i", "sine=d=3", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", other)
	blocked := s.tusUpload(creator.Token, copyPath, map[string]string{"caption": "again"}, 1, "")
	paddedRes := s.tusUpload(creator.Token, padded, map[string]string{"caption": "with an intro"}, 1, "")
	fine := s.tusUpload(creator.Token, other, map[string]string{"caption": "fine"}, 1, "")
	fineIntro := s.tusUpload(creator.Token, intro, map[string]string{"caption": "the intro alone"}, 1, "")
	for name, id := range map[string]string{"re-encoded copy": blocked.VideoID, "copy behind a 5 s intro": paddedRes.VideoID} {
		if v := s.waitVideo(creator.Token, id); v.Status != "removed" || !strings.Contains(v.Error, "not allowed") {
			t.Fatalf("%s: %+v", name, v)
		}
	}
	for name, id := range map[string]string{"unrelated clip": fine.VideoID, "the intro alone": fineIntro.VideoID} {
		if v := s.waitVideo(creator.Token, id); v.Status != "ready" {
			t.Fatalf("%s: %+v", name, v)
		}
	}
	// The owner got an automated statement of reasons.
	found := false
	for _, st := range s.statements(creator) {
		if st["automated_detection"] == "Yes" && st["automated_decision"] == "AUTOMATED_DECISION_FULLY" {
			found = true
		}
	}
	if !found {
		t.Fatal("no automated statement of reasons for the blocked upload")
	}
}

// TestMassReporting: 50 reports of one video from 50 accounts (and
// repeats) make one queue item counting 50; content is not removed by count.
func TestMassReporting(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.TrustedProxies = trustLoopback() })
	creator := s.signUp("target", "target@example.com", "1990-01-01", "US")
	s.login(&creator)
	mod := s.signUp("massmod", "massmod@example.com", "1985-01-01", "US")
	s.login(&mod)
	if err := s.grantStaff("us", mod, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	id := s.publish(creator, "popular target")
	waitFor(t, "the video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(id); return ok })
	for i := 0; i < 50; i++ {
		a := s.signUp(fmt.Sprintf("reporter%02d", i), fmt.Sprintf("reporter%02d@example.org", i), "1990-01-01", []string{"DE", "US", "SG"}[i%3])
		s.loginFrom(&a, fmt.Sprintf("198.51.100.%d", i+1))
		for rep := 0; rep < 2; rep++ {
			if r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": id, "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
				"explanation": "I do not like it"}, "Authorization", "Bearer "+a.Token); r.Status != 201 {
				t.Fatalf("report %d: %d %s", i, r.Status, r.Body)
			}
		}
	}
	items := s.queue(mod, "us")
	if len(items) != 1 || items[0].Reports != 50 {
		t.Fatalf("queue after 100 reports from 50 accounts: %+v", items)
	}
	if r := s.do("GET", "/api/v1/videos/"+id, nil); r.Status != 200 {
		t.Fatal("content taken down by report count alone")
	}
	// The queue and the transparency export carry no email, handle or IP.
	raw := s.do("GET", "/api/v1/moderation/us/queue", nil, "Authorization", "Bearer "+mod.Token).Body
	tr := s.do("GET", "/api/v1/transparency/statements", nil).Body
	for _, b := range [][]byte{raw, tr} {
		for _, personal := range []string{"@example", "reporter0", "198.51.100."} {
			if strings.Contains(string(b), personal) {
				t.Fatalf("personal data %q in %s", personal, b)
			}
		}
	}
}

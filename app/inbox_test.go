package app_test

import (
	"encoding/json"
	"strings"
	"testing"

	"kurz/cell"
	"kurz/link"
)

// inboxEntry is an inbox line as the API answers it.
type inboxEntry struct {
	ID     string          `json:"id"`
	IDs    []string        `json:"ids"`
	Kind   string          `json:"kind"`
	Read   bool            `json:"read"`
	Count  int             `json:"count"`
	Actors []cell.Actor    `json:"actors"`
	Data   json.RawMessage `json:"data"`
}

func (s *server) inboxOf(a account) ([]inboxEntry, int, string) {
	s.t.Helper()
	r := s.do("GET", "/api/v1/me/inbox", nil, bearer(a)...)
	if r.Status != 200 {
		s.t.Fatalf("inbox of %s: %d %s", a.Handle, r.Status, r.Body)
	}
	var out struct {
		Entries []inboxEntry `json:"entries"`
		Unread  int          `json:"unread"`
	}
	r.json(s.t, &out)
	return out.Entries, out.Unread, string(r.Body)
}

// inboxKind waits until a's inbox has an entry of kind for which ok holds.
func (s *server) inboxKind(a account, kind string, ok func(inboxEntry) bool) inboxEntry {
	s.t.Helper()
	var found inboxEntry
	waitFor(s.t, a.Handle+"'s inbox: "+kind, func() bool {
		list, _, _ := s.inboxOf(a)
		for _, e := range list {
			if e.Kind == kind && ok(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// TestInbox: likes, follows, mentions and comments reach the inbox of the
// person they concern across regions; likes of one video are one entry
// counting people once each and naming only likers who show their likes;
// switches mute a kind; unread count and read marks are the owner's only.
func TestInbox(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("inboxcreator", "inboxcreator@example.org", "1990-01-01", "US")
	shown := s.signUp("inboxshown", "inboxshown@example.org", "1990-01-01", "DE")
	hidden := s.signUp("inboxhidden", "inboxhidden@example.org", "1990-01-01", "SG")
	local := s.signUp("inboxlocal", "inboxlocal@example.org", "1990-01-01", "US")
	for _, a := range []*account{&creator, &shown, &hidden, &local} {
		s.login(a)
	}
	video := s.publish(creator, "inbox video")
	for _, r := range []string{"eu", "sg"} {
		waitFor(t, "the video in "+r, func() bool { _, ok := s.Cell(kurzRegion(r)).Index.Video(video); return ok })
		waitFor(t, "the creator's profile in "+r, func() bool { _, ok := s.Cell(kurzRegion(r)).Index.ProfileByHandle(creator.Handle); return ok })
	}
	waitFor(t, "shown's profile in us", func() bool { _, ok := s.Cell("us").Index.ProfileByHandle(shown.Handle); return ok })

	// Switches: unknown or compulsory kinds refused; show_likes set.
	wantError(t, "muting statements", s.do("PATCH", "/api/v1/me/inbox/settings", map[string]any{"kinds": map[string]bool{"statement_of_reasons": false}}, bearer(shown)...), 400, "kinds")
	if r := s.do("PATCH", "/api/v1/me/inbox/settings", map[string]any{"show_likes": true}, bearer(shown)...); r.Status != 200 || !strings.Contains(string(r.Body), `"show_likes":true`) {
		t.Fatalf("show_likes: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/api/v1/me/inbox", "/api/v1/me/inbox/unread", "/api/v1/me/inbox/settings", "/api/v1/me/reports"} {
		wantError(t, "anonymous "+path, s.do("GET", path, nil), 401, "")
	}

	// Likes from three regions; one liker likes, unlikes and likes again.
	like := func(a account, method string) {
		if r := s.do(method, "/api/v1/videos/"+video+"/like", nil, bearer(a)...); r.Status != 200 {
			t.Fatalf("%s like by %s: %d %s", method, a.Handle, r.Status, r.Body)
		}
	}
	like(shown, "PUT")
	like(hidden, "PUT")
	like(hidden, "DELETE")
	like(hidden, "PUT")
	like(local, "PUT")
	like(creator, "PUT") // one's own like tells nobody
	e := s.inboxKind(creator, "like", func(e inboxEntry) bool { return e.Count >= 3 })
	if e.Count != 3 || len(e.Actors) != 1 || e.Actors[0].Handle != shown.Handle || e.Read {
		t.Fatalf("likes entry: %+v", e)
	}
	// A region's note naming someone of another region (eu names a us
	// person) counts, but names nobody; a mention of a comment that is
	// not the sending region's is dropped.
	forged := link.ApplyDeltasRequest{
		{Key: "forged-like", ObjectID: video, Field: "likes", Delta: 1, Note: &link.InboxNote{ActorKey: strings.Repeat("ab", 32), Handle: local.Handle}},
		{Key: "forged-mention", ObjectID: creator.ID, Field: "mention", Note: &link.InboxNote{ActorKey: strings.Repeat("cd", 32), Handle: local.Handle,
			VideoID: video, CommentID: video, Text: "forged mention"}},
	}
	if err := s.Cell("eu").Link.ApplyDeltas(t.Context(), "us", forged); err != nil {
		t.Fatal(err)
	}
	e = s.inboxKind(creator, "like", func(e inboxEntry) bool { return e.Count >= 4 })
	if e.Count != 4 || len(e.Actors) != 1 || e.Actors[0].Handle != shown.Handle {
		t.Fatalf("likes entry after a forged note: %+v", e)
	}
	_, _, body := s.inboxOf(creator)
	if strings.Contains(body, "forged mention") {
		t.Fatal("a mention of another region's comment was delivered")
	}
	for _, a := range []account{hidden, local} {
		if strings.Contains(body, a.Handle) || strings.Contains(body, a.ID) {
			t.Fatalf("the inbox names %s, who does not show their likes: %s", a.Handle, body)
		}
	}

	// A follow from another region names the follower by handle.
	if r := s.do("PUT", "/api/v1/users/"+creator.Handle+"/follow", nil, bearer(hidden)...); r.Status != 200 {
		t.Fatalf("follow: %d %s", r.Status, r.Body)
	}
	s.inboxKind(creator, "follow", func(e inboxEntry) bool { return len(e.Actors) == 1 && e.Actors[0].Handle == hidden.Handle })

	// A mention reaches the person named in their region; the video's
	// owner hears of the comment.
	s.comment(local, video, "look @"+shown.Handle+" and @nobody_here")
	m := s.inboxKind(shown, "mention", func(inboxEntry) bool { return true })
	if !strings.Contains(string(m.Data), local.Handle) || !strings.Contains(string(m.Data), "look @") {
		t.Fatalf("mention: %s", m.Data)
	}
	s.inboxKind(creator, "comment", func(e inboxEntry) bool { return strings.Contains(string(e.Data), "look @") })

	// Muted comments notify no more.
	if r := s.do("PATCH", "/api/v1/me/inbox/settings", map[string]any{"kinds": map[string]bool{"comment": false}}, bearer(creator)...); r.Status != 200 {
		t.Fatalf("mute: %d %s", r.Status, r.Body)
	}
	s.comment(local, video, "muted one")
	if _, _, body := s.inboxOf(creator); strings.Contains(body, "muted one") {
		t.Fatal("a muted comment notified")
	}

	// Read state: another person's IDs change nothing; all read clears.
	list, unread, _ := s.inboxOf(creator)
	if unread == 0 || len(list) == 0 {
		t.Fatalf("unread %d of %d entries", unread, len(list))
	}
	if r := s.do("POST", "/api/v1/me/inbox/read", map[string]any{"ids": list[0].IDs}, bearer(local)...); r.Status != 200 {
		t.Fatalf("read by another: %d %s", r.Status, r.Body)
	}
	var u struct{ Unread int }
	s.do("GET", "/api/v1/me/inbox/unread", nil, bearer(creator)...).json(t, &u)
	if u.Unread != unread {
		t.Fatalf("another person's read mark changed the unread count: %d, want %d", u.Unread, unread)
	}
	s.do("POST", "/api/v1/me/inbox/read", map[string]any{"ids": list[0].IDs}, bearer(creator)...).json(t, &u)
	if u.Unread != unread-len(list[0].IDs) {
		t.Fatalf("unread after marking one entry: %d, want %d", u.Unread, unread-len(list[0].IDs))
	}
	s.do("POST", "/api/v1/me/inbox/read", nil, bearer(creator)...).json(t, &u)
	if u.Unread != 0 {
		t.Fatalf("unread after marking all: %d", u.Unread)
	}
}

// TestReportAppealAPI: a signed-in and an anonymous notice, a decision,
// the statements in the notifier's and the creator's inbox and on the
// receipt, the appeal page's question for each person, the deciding
// moderator refused as appellant and as reviewer, another one reversing.
func TestReportAppealAPI(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("apcreator", "apcreator@example.org", "1990-01-01", "US")
	notifier := s.signUp("apnotifier", "apnotifier@example.org", "1990-01-01", "DE")
	stranger := s.signUp("apstranger", "apstranger@example.org", "1990-01-01", "US")
	modA := s.signUp("apmoda", "apmoda@example.org", "1990-01-01", "US")
	modB := s.signUp("apmodb", "apmodb@example.org", "1990-01-01", "US")
	for _, a := range []*account{&creator, &notifier, &stranger, &modA, &modB} {
		s.login(a)
	}
	s.grantAll("us", cell.RoleModerator, modA, modB)
	s.login(&modA)
	s.login(&modB)
	video := s.publish(creator, "report me")
	waitFor(t, "the video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(video); return ok })

	signed := s.report(notifier, "video", video)
	r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": video, "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
		"explanation": "a scam", "illegal": true, "legal_ground": "fraud law", "name": "Ann Onym", "email": "ann@example.org", "good_faith": true})
	if r.Status != 201 {
		t.Fatalf("anonymous report: %d %s", r.Status, r.Body)
	}
	var receipt struct {
		NoticeID string `json:"notice_id"`
	}
	r.json(t, &receipt)
	anon := receipt.NoticeID
	var mine struct {
		Reports []struct {
			NoticeID string `json:"notice_id"`
			Status   string `json:"status"`
			TargetID string `json:"target_id"`
		} `json:"reports"`
	}
	s.do("GET", "/api/v1/me/reports", nil, bearer(notifier)...).json(t, &mine)
	if len(mine.Reports) != 1 || mine.Reports[0].NoticeID != signed || mine.Reports[0].TargetID != video || mine.Reports[0].Status != "open" {
		t.Fatalf("my reports: %+v", mine)
	}
	s.do("GET", "/api/v1/me/reports", nil, bearer(stranger)...).json(t, &mine)
	if len(mine.Reports) != 0 {
		t.Fatalf("a stranger's reports list another's notice: %+v", mine)
	}

	item, _ := s.itemAbout("us", video)
	s.modPost(modA, "us", item, "claim", nil)
	r = s.modPost(modA, "us", item, "decide", map[string]any{"action": "remove", "ground": "terms", "explanation": "Not allowed here."})
	if r.Status != 201 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	d := decisionID(t, r)
	if !strings.Contains(string(r.Body), `"appeal_url":"/appeal/`+d+`"`) || strings.Contains(string(r.Body), "POST /api") {
		t.Fatalf("statement's appeal route: %s", r.Body)
	}

	// The statement reaches the creator and the signed-in notifier's
	// inbox, and the anonymous receipt.
	s.inboxKind(creator, "statement_of_reasons", func(e inboxEntry) bool { return strings.Contains(string(e.Data), d) })
	s.inboxKind(notifier, "statement_of_reasons", func(e inboxEntry) bool { return strings.Contains(string(e.Data), signed) })
	if rc := s.receipt(anon); rc["status"] != "decided" || !strings.Contains(string(mustJSON(t, rc["statement"])), d) {
		t.Fatalf("anonymous receipt: %v", rc)
	}

	// Who may appeal, as the appeal page asks.
	info := func(a account) map[string]any {
		var out map[string]any
		s.do("GET", "/api/v1/appeals/"+d, nil, bearer(a)...).json(t, &out)
		return out
	}
	for _, c := range []struct {
		a      account
		may    bool
		reason string
	}{{creator, true, ""}, {notifier, true, ""}, {stranger, false, "not_party"}, {modA, false, "own_decision"}, {modB, false, "not_party"}} {
		got := info(c.a)
		if got["may_appeal"] != c.may || (c.reason != "" && got["reason"] != c.reason) {
			t.Fatalf("appeal info for %s: %v", c.a.Handle, got)
		}
	}
	wantError(t, "the decider appeals", s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": d, "explanation": "mine"}, bearer(modA)...), 403, "")
	wantError(t, "appeal info anonymous", s.do("GET", "/api/v1/appeals/"+d, nil), 401, "")

	// The creator appeals; modA may not review it, modB reverses.
	if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": d, "explanation": "It is fine."}, bearer(creator)...); r.Status != 201 {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	appealItem, _ := s.itemAbout("us", video)
	// Refusals name the real reason: the decider's conflict, a missing
	// role.
	r = s.modPost(modA, "us", appealItem, "claim", nil)
	wantError(t, "the decider claims the appeal", r, 403, "")
	if !strings.Contains(string(r.Body), "you took the decision under appeal") {
		t.Fatalf("the decider's refusal: %s", r.Body)
	}
	r = s.modPost(stranger, "us", appealItem, "claim", nil)
	if r.Status != 403 || !strings.Contains(string(r.Body), "you are not a moderator of region us") {
		t.Fatalf("a non-moderator's refusal: %d %s", r.Status, r.Body)
	}
	s.modPost(modB, "us", appealItem, "claim", nil)
	r = s.modPost(modB, "us", appealItem, "decide", map[string]any{"action": "reverse", "explanation": "It is allowed after all."})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"appeal_outcome":"reversed"`) {
		t.Fatalf("reverse: %d %s", r.Status, r.Body)
	}
	s.inboxKind(creator, "statement_of_reasons", func(e inboxEntry) bool { return strings.Contains(string(e.Data), `"appeal_outcome":"reversed"`) })
	if r := s.do("GET", "/api/v1/videos/"+video, nil); r.Status != 200 {
		t.Fatalf("the reversed video is not back: %d", r.Status)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

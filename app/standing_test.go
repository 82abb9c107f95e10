package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/link"
)

// inbox reads a person's notifications of a kind in their home region
// (they may no longer sign in to read them).
func (s *server) inbox(a account, kind string) []json.RawMessage {
	s.t.Helper()
	ns, err := s.Cell(kurzRegion(a.Region)).Inbox.Notifications(s.t.Context(), &kurz.Profile{ID: a.ID})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []json.RawMessage
	for _, n := range ns {
		if n.Kind == kind {
			out = append(out, n.Data)
		}
	}
	return out
}

// commentIDs lists the IDs of a video's comments, as anyone reads them.
func (s *server) commentIDs(videoID string) map[string]bool {
	s.t.Helper()
	var page struct {
		Items []struct{ ID string } `json:"items"`
	}
	s.do("GET", "/api/v1/videos/"+videoID+"/comments", nil).json(s.t, &page)
	out := map[string]bool{}
	for _, c := range page.Items {
		out[c.ID] = true
	}
	return out
}

// TestStandingAcrossRegions (issue reproduction): an eu moderator's
// suspension and termination of us people for their comments on an eu
// video reach their home region through the link: their sessions end,
// sign-in is refused (until the end date; for good), the statement of
// reasons is in their inbox; a suspension keeps the comment, a
// termination hides everything of theirs: their comment on the eu video
// (and its count), their profile and their video in us. A notifier's
// appeal, reversed by another moderator, lets them sign in again and
// shows the comment again.
func TestStandingAcrossRegions(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("stcreator", "stcreator@example.org", "1990-01-01", "DE")
	mod := s.signUp("stmod", "stmod@example.org", "1985-01-01", "DE")
	mod2 := s.signUp("stmod2", "stmod2@example.org", "1985-01-01", "FR")
	notifier := s.signUp("stnotifier", "stnotifier@example.org", "1990-01-01", "DE")
	suspended := s.signUp("stsusp", "stsusp@example.org", "1990-01-01", "US")
	term := s.signUp("stterm", "stterm@example.org", "1990-01-01", "US")
	for _, a := range []*account{&creator, &mod, &mod2, &notifier, &suspended, &term} {
		s.login(a)
	}
	if suspended.Region != "us" || term.Region != "us" || creator.Region != "eu" {
		t.Fatalf("regions: %s %s %s", suspended.Region, term.Region, creator.Region)
	}
	s.grantAll("eu", cell.RoleModerator, mod, mod2)
	video := s.publish(creator, "the eu video")
	own := s.publish(term, "the terminated person's own video")
	waitFor(t, "the us video in eu's catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(own); return ok })
	c1 := s.comment(suspended, video, "a rude comment")
	c2 := s.comment(term, video, "a very rude comment")
	if c := s.videoCounts(video); c.Comments != 2 {
		t.Fatalf("comments before: %d", c.Comments)
	}

	decide := func(mod account, comment string, decision map[string]any) string {
		t.Helper()
		s.report(notifier, "comment", comment)
		item, _ := s.itemAbout("eu", comment)
		if r := s.modPost(mod, "eu", item, "claim", nil); r.Status != 200 {
			t.Fatalf("claim: %d %s", r.Status, r.Body)
		}
		r := s.modPost(mod, "eu", item, "decide", decision)
		if r.Status != 201 {
			t.Fatalf("decide %v: %d %s", decision, r.Status, r.Body)
		}
		return decisionID(t, r)
	}
	signIn := func(a account) *response {
		return s.do("POST", "/api/v1/sessions", map[string]string{"login": a.Handle, "password": a.Password})
	}
	statementOf := func(a account, decision string) bool {
		for _, n := range s.inbox(a, "statement_of_reasons") {
			if strings.Contains(string(n), decision) {
				return true
			}
		}
		return false
	}

	// Suspension: sessions end, sign-in is refused until the end date, the
	// statement reaches them, the comment stays.
	end := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	d1 := decide(mod, c1, map[string]any{"action": "suspend", "ground": "terms", "explanation": "Insults are not allowed.", "end_date": end})
	waitFor(t, "the suspension in the home region", func() bool {
		return s.do("GET", "/api/v1/me", nil, bearer(suspended)...).Status == 401
	})
	if r := signIn(suspended); r.Status != 403 || !strings.Contains(string(r.Body), "suspended until "+end) {
		t.Fatalf("sign-in while suspended from another region: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the statement in the suspended person's inbox", func() bool { return statementOf(suspended, d1) })
	if !s.commentIDs(video)[c1] {
		t.Fatal("a suspension hid the comment")
	}

	// The suspended person's refused sign-in shows them the statement and
	// gives an appeal token: it appeals the decision without a session,
	// and opens nothing else.
	var refused struct {
		Error struct {
			Details struct {
				Statements  []json.RawMessage `json:"statements"`
				AppealToken string            `json:"appeal_token"`
				PersonID    string            `json:"person_id"`
			} `json:"details"`
		} `json:"error"`
	}
	signIn(suspended).json(t, &refused)
	det := refused.Error.Details
	if det.AppealToken == "" || det.PersonID != suspended.ID || len(det.Statements) == 0 || !strings.Contains(string(det.Statements[0]), d1) {
		t.Fatalf("the refused sign-in: %+v", refused)
	}
	if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": d1, "explanation": "I was quoting", "person_id": suspended.ID},
		"Authorization", "Bearer "+det.AppealToken); r.Status != 201 {
		t.Fatalf("the suspended person's appeal: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the suspended person's appeal in eu's queue", func() bool {
		for _, it := range s.queue(mod2, "eu") {
			if it.Kind == "appeal" && it.AppealOf == d1 {
				return true
			}
		}
		return false
	})
	for _, wrong := range []struct {
		what, token, person string
	}{
		{"another person's ID", det.AppealToken, creator.ID},
		{"a made-up token", "us." + strings.Repeat("A", 43), suspended.ID},
		{"a token of another region", "eu" + det.AppealToken[2:], suspended.ID},
	} {
		if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": d1, "explanation": "x", "person_id": wrong.person},
			"Authorization", "Bearer "+wrong.token); r.Status != 401 {
			t.Errorf("an appeal with %s: %d %s", wrong.what, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/me/notifications"} {
		if r := s.do("GET", path, nil, "Authorization", "Bearer "+det.AppealToken); r.Status != 401 {
			t.Errorf("the appeal token opens %s: %d", path, r.Status)
		}
	}

	// Termination: everything of theirs disappears, in every region.
	d2 := decide(mod, c2, map[string]any{"action": "terminate", "ground": "terms", "explanation": "Repeated insults."})
	waitFor(t, "the terminated person's comment gone from the eu video", func() bool {
		return !s.commentIDs(video)[c2] && s.videoCounts(video).Comments == 1
	})
	if s.do("GET", "/api/v1/me", nil, bearer(term)...).Status != 401 {
		t.Fatal("the terminated person's session lives on")
	}
	if r := signIn(term); r.Status != 403 {
		t.Fatalf("sign-in after termination: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the termination statement", func() bool { return statementOf(term, d2) })
	for _, region := range []kurz.Region{"eu", "us", "sg"} {
		waitFor(t, "the terminated person's video and profile gone in "+string(region), func() bool {
			_, v := s.Cell(region).Index.Video(own)
			_, p := s.Cell(region).Index.ProfileByHandle("stterm")
			return !v && !p
		})
	}
	if r := s.do("GET", "/api/v1/videos/"+own, nil); r.Status != 404 {
		t.Fatalf("the terminated person's video: %d", r.Status)
	}
	if r := s.do("GET", "/api/v1/users/stterm", nil); r.Status != 404 {
		t.Fatalf("the terminated person's profile: %d", r.Status)
	}
	if !s.commentIDs(video)[c1] {
		t.Fatal("the other person's comment went too")
	}

	// From the wrong side: sg may not pass off eu's decision, suspend a
	// person of eu through us, or hide us people's comments; nothing
	// changes.
	sg := s.Cell("sg").Link
	stmt := json.RawMessage(`{"puid":"x"}`)
	wrong := []struct {
		what string
		err  error
		code string
	}{
		{"another region's decision", sg.AccountDecision(t.Context(), "us", link.AccountDecisionRequest{DecisionID: d1, Person: suspended.ID,
			Effect: link.EffectLift, Reverses: d1, Statement: stmt}), kurz.EForbidden},
		{"a person of another region", sg.AccountDecision(t.Context(), "us", link.AccountDecisionRequest{DecisionID: kurz.NewID("sg"),
			Person: creator.ID, Effect: link.EffectTerminate, Statement: stmt}), kurz.ENotFound},
		{"a lift of another region's decision", sg.AccountDecision(t.Context(), "us", link.AccountDecisionRequest{DecisionID: kurz.NewID("sg"),
			Person: suspended.ID, Effect: link.EffectLift, Reverses: d1, Statement: stmt}), kurz.EInvalid},
		{"a suspension without an end", sg.AccountDecision(t.Context(), "us", link.AccountDecisionRequest{DecisionID: kurz.NewID("sg"),
			Person: suspended.ID, Effect: link.EffectSuspend, Statement: stmt}), kurz.EInvalid},
		{"another region's people's comments", sg.HideAuthor(t.Context(), "eu", link.HideAuthorRequest{Author: suspended.ID, Hidden: true}),
			kurz.EForbidden},
	}
	for _, w := range wrong {
		if kurz.ErrorCode(w.err) != w.code {
			t.Errorf("%s: %v, want %s", w.what, w.err, w.code)
		}
	}
	if r := signIn(suspended); r.Status != 403 || !s.commentIDs(video)[c1] {
		t.Fatalf("a refused call changed something: sign-in %d, comment shown %v", r.Status, s.commentIDs(video)[c1])
	}

	// The notifier appeals; another moderator reverses: the account is
	// back, the comment too.
	if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": d2, "explanation": "on second thought, too harsh"}, bearer(notifier)...); r.Status != 201 {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	appeal := ""
	for _, it := range s.queue(mod2, "eu") {
		if it.Kind == "appeal" && it.AppealOf == d2 {
			appeal = it.ID
		}
	}
	if r := s.modPost(mod2, "eu", appeal, "claim", nil); r.Status != 200 {
		t.Fatalf("claim the appeal: %d %s", r.Status, r.Body)
	}
	r := s.modPost(mod2, "eu", appeal, "decide", map[string]any{"action": "reverse", "explanation": "Too harsh for a first time."})
	if r.Status != 201 {
		t.Fatalf("reverse: %d %s", r.Status, r.Body)
	}
	d3 := decisionID(t, r)
	waitFor(t, "sign-in after the reversal", func() bool { return signIn(term).Status == 201 })
	waitFor(t, "the comment back on the eu video", func() bool {
		return s.commentIDs(video)[c2] && s.videoCounts(video).Comments == 2
	})
	waitFor(t, "the video back", func() bool { return s.do("GET", "/api/v1/videos/"+own, nil).Status == 200 })
	waitFor(t, "the reversal's statement", func() bool { return statementOf(term, d3) })
}

// TestStrikeRule: strikes an eu moderator gives a us person for their
// comment count in the person's home region; the third within 90 days
// suspends them for 7 days by an automated decision with its own
// statement of reasons; a strike older than 90 days does not count.
func TestStrikeRule(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("srcreator", "srcreator@example.org", "1990-01-01", "DE")
	mod := s.signUp("srmod", "srmod@example.org", "1985-01-01", "DE")
	notifier := s.signUp("srnotifier", "srnotifier@example.org", "1990-01-01", "DE")
	struck := s.signUp("srstruck", "srstruck@example.org", "1990-01-01", "US")
	for _, a := range []*account{&creator, &mod, &notifier, &struck} {
		s.login(a)
	}
	s.grantAll("eu", cell.RoleModerator, mod)
	video := s.publish(creator, "the strike rule video")
	waitFor(t, "the video in us", func() bool { _, ok := s.Cell("us").Index.Video(video); return ok })
	cid := s.comment(struck, video, "a comment worth a strike")
	var strikes []string
	strike := func() {
		t.Helper()
		s.report(notifier, "comment", cid)
		item, _ := s.itemAbout("eu", cid)
		s.modPost(mod, "eu", item, "claim", nil)
		r := s.modPost(mod, "eu", item, "decide", map[string]any{"action": "strike", "ground": "terms", "explanation": "Not nice."})
		if r.Status != 201 {
			t.Fatalf("strike: %d %s", r.Status, r.Body)
		}
		strikes = append(strikes, decisionID(t, r))
		n := len(strikes)
		waitFor(t, "the strike in the home region", func() bool { return s.rowCount("us", "strikes", "person_id", struck.ID) == n })
	}
	signedIn := func() bool { return s.do("GET", "/api/v1/me", nil, bearer(struck)...).Status == 200 }

	strike()
	strike()
	// The first strike is older than the window.
	if _, err := rawSQL(s.Cell("us")).Exec(`UPDATE strikes SET created_at = $1 WHERE decision_id = $2`,
		time.Now().Add(-91*24*time.Hour).UnixMilli(), strikes[0]); err != nil {
		t.Fatal(err)
	}
	strike()
	if !signedIn() {
		t.Fatal("two strikes within 90 days (and one older) suspended the account")
	}
	strike()
	waitFor(t, "the strike rule's suspension", func() bool { return !signedIn() })
	end := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.DateOnly)
	r := s.do("POST", "/api/v1/sessions", map[string]string{"login": struck.Handle, "password": struck.Password})
	if r.Status != 403 || !strings.Contains(string(r.Body), "suspended until "+end) {
		t.Fatalf("sign-in after three strikes: %d %s", r.Status, r.Body)
	}
	var rule map[string]any
	for _, n := range s.inbox(struck, "statement_of_reasons") {
		var st map[string]any
		json.Unmarshal(n, &st)
		if st["automated_decision"] == "AUTOMATED_DECISION_FULLY" {
			rule = st
		}
	}
	facts, _ := rule["decision_facts"].(string)
	if rule == nil || rule["decision_account"] != "DECISION_ACCOUNT_SUSPENDED" || rule["end_date_visibility_restriction"] != end ||
		rule["source_type"] != "SOURCE_VOLUNTARY" || !strings.Contains(facts, strikes[1]) || !strings.Contains(facts, strikes[3]) ||
		strings.Contains(facts, strikes[0]) || !strings.HasPrefix(rule["puid"].(string), "us") {
		t.Fatalf("the strike rule's statement: %v", rule)
	}
	// The decision is the home region's, in its transparency export.
	if n := s.rowCount("us", "decisions", "id", rule["puid"].(string)); n != 1 {
		t.Fatalf("the strike rule's decision: %d rows", n)
	}
}

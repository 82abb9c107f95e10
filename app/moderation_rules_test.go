package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/app"
	"kurz/cell"
)

// modParties is the cast of the moderation rules tests: content in us,
// people in every region, three us moderators and one in sg.
type modParties struct {
	creator, author, modA, modB, modC, modS, n1, n2, n3 account
	video                                               string
}

func (s *server) modParties() *modParties {
	s.t.Helper()
	p := &modParties{}
	for _, x := range []struct {
		a               *account
		handle, country string
	}{
		{&p.creator, "rulecreator", "US"}, {&p.author, "ruleauthor", "SG"},
		{&p.modA, "rulemoda", "US"}, {&p.modB, "rulemodb", "US"}, {&p.modC, "rulemodc", "CA"}, {&p.modS, "rulemods", "SG"},
		{&p.n1, "rulenotifier1", "DE"}, {&p.n2, "rulenotifier2", "SG"}, {&p.n3, "rulenotifier3", "US"},
	} {
		*x.a = s.signUp(x.handle, x.handle+"@example.org", "1985-01-01", x.country)
		s.login(x.a)
	}
	s.grantAll("us", cell.RoleModerator, p.modA, p.modB, p.modC)
	s.grantAll("sg", cell.RoleModerator, p.modS)
	p.video = s.publish(p.creator, "the rules video")
	waitFor(s.t, "the video in sg's catalogue", func() bool { _, ok := s.Cell("sg").Index.Video(p.video); return ok })
	return p
}

// report files a notice and returns its receipt ID.
func (s *server) report(by account, targetType, targetID string) string {
	s.t.Helper()
	r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": targetType, "target_id": targetID,
		"category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "explanation": "please look"}, bearer(by)...)
	if r.Status != 201 {
		s.t.Fatalf("report %s %s: %d %s", targetType, targetID, r.Status, r.Body)
	}
	var out struct {
		NoticeID string `json:"notice_id"`
	}
	r.json(s.t, &out)
	return out.NoticeID
}

func (s *server) receipt(noticeID string) map[string]any {
	s.t.Helper()
	var out map[string]any
	s.do("GET", "/api/v1/reports/"+noticeID, nil).json(s.t, &out)
	return out
}

func (s *server) modPost(mod account, region, item, verb string, body any) *response {
	s.t.Helper()
	return s.do("POST", "/api/v1/moderation/"+region+"/items/"+item+"/"+verb, body, bearer(mod)...)
}

// wantError checks a refusal: the status, the one error shape and, if
// given, its field.
func wantError(t *testing.T, what string, r *response, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s, want %d", what, r.Status, r.Body, status)
	}
	r.errorCode(t)
	var e struct {
		Error struct {
			Field string `json:"field"`
		} `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Field != field {
		t.Fatalf("%s: field %q, want %q: %s", what, e.Error.Field, field, r.Body)
	}
}

func queued(items []queueItem, id string) *queueItem {
	for i := range items {
		if items[i].ID == id {
			return &items[i]
		}
	}
	return nil
}

// decisionID reads the puid of a decision's statement.
func decisionID(t *testing.T, r *response) string {
	t.Helper()
	var st struct {
		PUID string `json:"puid"`
	}
	r.json(t, &st)
	return st.PUID
}

// TestModerationRules runs the moderation rules on SQLite and PostgreSQL:
// conflicts of interest, waiting items, content removed by its author,
// one appeal per party, moderator input, paging and notice targets.
func TestModerationRules(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(c *app.Config) { c.Limits.CommentsPerMinute = 1000 }, func(t *testing.T, s *server) {
		p := s.modParties()
		t.Run("ConflictOfInterest", func(t *testing.T) { testConflictOfInterest(t, s, p) })
		t.Run("Waiting", func(t *testing.T) { testWaiting(t, s, p) })
		t.Run("RemovedByAuthor", func(t *testing.T) { testRemovedByAuthor(t, s, p) })
		t.Run("AppealPerParty", func(t *testing.T) { testAppealPerParty(t, s, p) })
		t.Run("ModeratorInput", func(t *testing.T) { testModeratorInput(t, s, p) })
		t.Run("Paging", func(t *testing.T) { testModerationPaging(t, s, p) })
		t.Run("NoticeTargets", func(t *testing.T) { testNoticeTargets(t, s, p) })
		// Notifiers and appellants are named by keyed hash only, in every
		// region; people of other regions by nothing else either.
		tables := []string{"queue_items", "queue_reports", "appeals", "decisions", "queue_targets", "reporter_standing"}
		scanForIDs(t, s, "us", tables, []string{p.author.ID, p.n1.ID, p.n2.ID, p.n3.ID, p.modS.ID})
		scanForIDs(t, s, "sg", tables, []string{p.n2.ID, p.creator.ID, p.modA.ID})
	})
}

// testConflictOfInterest: a moderator cannot claim, decide or review an
// appeal about themselves or their own decision, and the item is still
// decided by someone else, at once.
func testConflictOfInterest(t *testing.T, s *server, p *modParties) {
	// A notice about modA's own account.
	s.report(p.n1, "account", p.modA.ID)
	item, _ := s.itemAbout("us", p.modA.ID)
	if it := queued(s.queue(p.modA, "us"), item); it == nil || it.ConflictOfInterest == "" || it.Explanation != "" {
		t.Fatalf("modA's queue does not mark the item about them, or shows what the notifier wrote: %+v", it)
	}
	if it := queued(s.queue(p.modB, "us"), item); it == nil || it.ConflictOfInterest != "" || it.Status != "open" || it.Explanation != "please look" {
		t.Fatalf("modB's queue: %+v", it)
	}
	wantError(t, "modA claims an item about their account", s.modPost(p.modA, "us", item, "claim", nil), 403, "")
	wantError(t, "modA decides it", s.modPost(p.modA, "us", item, "decide", map[string]any{"action": "no_action", "ground": "terms",
		"explanation": "nothing to see"}), 409, "")
	if r := s.modPost(p.modB, "us", item, "claim", nil); r.Status != 200 {
		t.Fatalf("modB claims: %d %s", r.Status, r.Body)
	}
	r := s.modPost(p.modB, "us", item, "decide", map[string]any{"action": "strike", "ground": "terms", "explanation": "A first strike."})
	if r.Status != 201 {
		t.Fatalf("modB decides: %d %s", r.Status, r.Body)
	}
	strike := decisionID(t, r)

	// modA appeals the strike: neither modA nor modB (who decided) may
	// review it; modC takes it at once.
	r = s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": strike, "explanation": "I did nothing wrong."}, bearer(p.modA)...)
	if r.Status != 201 {
		t.Fatalf("modA appeals: %d %s", r.Status, r.Body)
	}
	appeal := ""
	for _, it := range s.queue(p.modC, "us") {
		if it.Kind == "appeal" && it.AppealOf == strike {
			appeal = it.ID
		}
	}
	for _, m := range []account{p.modA, p.modB} {
		if it := queued(s.queue(m, "us"), appeal); it == nil || it.ConflictOfInterest == "" {
			t.Fatalf("%s's queue does not mark the appeal: %+v", m.Handle, it)
		}
		wantError(t, m.Handle+" claims the appeal", s.modPost(m, "us", appeal, "claim", nil), 403, "")
	}
	if r := s.modPost(p.modC, "us", appeal, "claim", nil); r.Status != 200 {
		t.Fatalf("modC claims the appeal: %d %s", r.Status, r.Body)
	}
	if r := s.modPost(p.modC, "us", appeal, "decide", map[string]any{"action": "uphold", "explanation": "The strike stands."}); r.Status != 201 {
		t.Fatalf("modC decides the appeal: %d %s", r.Status, r.Body)
	}

	// A moderator who reports what they hold may no longer decide it; they
	// release it and another decides.
	s.report(p.n2, "account", p.creator.ID)
	item, _ = s.itemAbout("us", p.creator.ID)
	if r := s.modPost(p.modA, "us", item, "claim", nil); r.Status != 200 {
		t.Fatalf("modA claims: %d %s", r.Status, r.Body)
	}
	s.report(p.modA, "account", p.creator.ID)
	wantError(t, "modA decides what they reported", s.modPost(p.modA, "us", item, "decide", map[string]any{"action": "strike", "ground": "terms",
		"explanation": "x"}), 403, "")
	if n := s.rowCount("us", "decisions", "item_id", item); n != 0 {
		t.Fatalf("a refused decision left %d rows", n)
	}
	if r := s.modPost(p.modA, "us", item, "release", map[string]any{}); r.Status != 200 {
		t.Fatalf("modA releases: %d %s", r.Status, r.Body)
	}
	if r := s.modPost(p.modB, "us", item, "claim", nil); r.Status != 200 {
		t.Fatalf("modB claims the released item: %d %s", r.Status, r.Body)
	}
	if r := s.modPost(p.modB, "us", item, "decide", map[string]any{"action": "strike", "ground": "terms", "explanation": "Decided by modB."}); r.Status != 201 {
		t.Fatalf("modB decides: %d %s", r.Status, r.Body)
	}
}

// testWaiting: when every moderator of a region is involved, the item
// waits with a clear status (queue and receipt) until one who is not can
// take it.
func testWaiting(t *testing.T, s *server, p *modParties) {
	notice := s.report(p.n2, "account", p.modS.ID)
	item, _ := s.itemAbout("sg", p.modS.ID)
	it := queued(s.queue(p.modS, "sg"), item)
	if it == nil || it.Status != "waiting" || it.Waiting == "" || it.ConflictOfInterest == "" {
		t.Fatalf("sg queue with only the person concerned as moderator: %+v", it)
	}
	if rc := s.receipt(notice); rc["status"] != "waiting" || rc["waiting"] == nil {
		t.Fatalf("receipt of a waiting notice: %v", rc)
	}
	wantError(t, "the only moderator claims an item about themselves", s.modPost(p.modS, "sg", item, "claim", nil), 403, "")
	modT := s.signUp("rulemodt", "rulemodt@example.org", "1985-01-01", "SG")
	s.login(&modT)
	s.grantAll("sg", cell.RoleModerator, modT)
	if it := queued(s.queue(modT, "sg"), item); it == nil || it.Status != "open" || it.Waiting != "" {
		t.Fatalf("the item once another moderator exists: %+v", it)
	}
	if rc := s.receipt(notice); rc["status"] != "open" {
		t.Fatalf("receipt once another moderator exists: %v", rc)
	}
	if r := s.modPost(modT, "sg", item, "claim", nil); r.Status != 200 {
		t.Fatalf("modT claims: %d %s", r.Status, r.Body)
	}
	if r := s.modPost(modT, "sg", item, "decide", map[string]any{"action": "strike", "ground": "terms", "explanation": "Decided."}); r.Status != 201 {
		t.Fatalf("modT decides: %d %s", r.Status, r.Body)
	}
	if rc := s.receipt(notice); rc["status"] != "decided" || rc["statement"] == nil {
		t.Fatalf("receipt after the decision: %v", rc)
	}
}

// testRemovedByAuthor: content its author deletes under review resolves
// the item as removed by its author; no notifier counts as unfounded, also
// when a moderator held the item and tries to close it with no action.
func testRemovedByAuthor(t *testing.T, s *server, p *modParties) {
	standing := s.count("us", "reporter_standing")
	cid := s.comment(p.author, p.video, "something nasty")
	notice := s.report(p.n1, "comment", cid)
	s.report(p.n2, "comment", cid)
	item, _ := s.itemAbout("us", cid)
	if r := s.do("DELETE", "/api/v1/comments/"+cid, nil, bearer(p.author)...); r.Status >= 300 {
		t.Fatalf("the author deletes the comment: %d %s", r.Status, r.Body)
	}
	if it := queued(s.queue(p.modA, "us"), item); it != nil {
		t.Fatalf("the queue still lists the item of a deleted comment: %+v", it)
	}
	rc := s.receipt(notice)
	if rc["status"] != "resolved" || rc["resolution"] != "removed_by_author" {
		t.Fatalf("receipt of a notice about a deleted comment: %v", rc)
	}
	wantError(t, "a claim of the resolved item", s.modPost(p.modA, "us", item, "claim", nil), 409, "")

	// Held by a moderator when the author deletes it.
	cid = s.comment(p.author, p.video, "something else nasty")
	s.report(p.n1, "comment", cid)
	item, _ = s.itemAbout("us", cid)
	if r := s.modPost(p.modA, "us", item, "claim", nil); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	s.do("DELETE", "/api/v1/comments/"+cid, nil, bearer(p.author)...)
	r := s.modPost(p.modA, "us", item, "decide", map[string]any{"action": "no_action", "ground": "terms", "explanation": "gone anyway"})
	wantError(t, "no action on content its author deleted", r, 409, "")
	if !strings.Contains(string(r.Body), "removed by its author") {
		t.Fatalf("the refusal does not say why: %s", r.Body)
	}
	var status, resolution string
	rawSQL(s.Cell("us")).QueryRow(`SELECT status, resolution FROM queue_items WHERE id = $1`, item).Scan(&status, &resolution)
	if status != "resolved" || resolution != "removed_by_author" || s.rowCount("us", "decisions", "item_id", item) != 0 {
		t.Fatalf("item %s %s with %d decisions", status, resolution, s.rowCount("us", "decisions", "item_id", item))
	}
	if n := s.count("us", "reporter_standing"); n != standing {
		t.Fatalf("notifiers of content removed by its author were counted unfounded: %d standing rows, had %d", n, standing)
	}
}

// testAppealPerParty: the affected person and each notifier have an
// appeal of their own; others have none; a decision on an appeal is
// final; appeals are rate-limited.
func testAppealPerParty(t *testing.T, s *server, p *modParties) {
	cid := s.comment(p.author, p.video, "an insult")
	s.report(p.n1, "comment", cid)
	s.report(p.n2, "comment", cid)
	item, _ := s.itemAbout("us", cid)
	s.modPost(p.modA, "us", item, "claim", nil)
	r := s.modPost(p.modA, "us", item, "decide", map[string]any{"action": "remove", "ground": "terms", "explanation": "Insults are not allowed."})
	if r.Status != 201 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	d := decisionID(t, r)
	appeal := func(a account, id string) *response {
		return s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": id, "explanation": "please review"}, bearer(a)...)
	}
	// The affected person (from sg) and both notifiers (eu, sg) each once.
	for _, a := range []account{p.author, p.n1, p.n2} {
		if r := appeal(a, d); r.Status != 201 {
			t.Fatalf("%s appeals: %d %s", a.Handle, r.Status, r.Body)
		}
		wantError(t, a.Handle+" appeals again", appeal(a, d), 409, "")
	}
	for _, a := range []account{p.n3, p.creator} {
		wantError(t, a.Handle+", no party, appeals", appeal(a, d), 403, "")
	}
	if n := s.rowCount("us", "appeals", "decision_id", d); n != 3 {
		t.Fatalf("%d appeals of the decision, want 3", n)
	}
	// The author's appeal decided: that decision cannot be appealed.
	var authorsAppeal string
	rawSQL(s.Cell("us")).QueryRow(`SELECT item_id FROM appeals WHERE decision_id = $1 AND party = 'affected'`, d).Scan(&authorsAppeal)
	s.modPost(p.modB, "us", authorsAppeal, "claim", nil)
	r = s.modPost(p.modB, "us", authorsAppeal, "decide", map[string]any{"action": "uphold", "explanation": "It stays removed."})
	if r.Status != 201 {
		t.Fatalf("decide the appeal: %d %s", r.Status, r.Body)
	}
	wantError(t, "an appeal of an appeal's decision", appeal(p.author, decisionID(t, r)), 409, "")
	// Bad decision IDs are refused in the error shape.
	wantError(t, "an appeal of a malformed ID", appeal(p.author, "nonsense"), 400, "decision_id")
	wantError(t, "an appeal of a missing decision", appeal(p.author, kurz.NewID("us")), 404, "")

	// Appeals are rate-limited per person (ReportsPerHour a day's hour).
	limited := s.signUp("ruleappealer", "ruleappealer@example.org", "1990-01-01", "US")
	s.login(&limited)
	for i := range app.DefaultConfig().Limits.ReportsPerHour {
		if r := appeal(limited, d); r.Status != 403 {
			t.Fatalf("appeal %d: %d %s", i, r.Status, r.Body)
		}
	}
	r = appeal(limited, d)
	wantError(t, "an appeal past the limit", r, 429, "")
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

// testModeratorInput: end dates in the future and within two years, only
// for suspensions; territorial scope only ISO country codes. A refusal
// changes nothing.
func testModeratorInput(t *testing.T, s *server, p *modParties) {
	target := s.signUp("rulesuspect", "rulesuspect@example.org", "1990-01-01", "US")
	s.login(&target)
	s.report(p.n3, "account", target.ID)
	item, _ := s.itemAbout("us", target.ID)
	if r := s.modPost(p.modC, "us", item, "claim", nil); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	day := func(days int) string { return time.Now().UTC().AddDate(0, 0, days).Format(time.DateOnly) }
	for _, c := range []struct {
		what  string
		in    map[string]any
		field string
	}{
		{"the zero date", map[string]any{"action": "suspend", "end_date": "0001-01-01"}, "end_date"},
		{"yesterday", map[string]any{"action": "suspend", "end_date": day(-1)}, "end_date"},
		{"today", map[string]any{"action": "suspend", "end_date": day(0)}, "end_date"},
		{"three years ahead", map[string]any{"action": "suspend", "end_date": day(3 * 366)}, "end_date"},
		{"no date", map[string]any{"action": "suspend"}, "end_date"},
		{"not a date", map[string]any{"action": "suspend", "end_date": "2027-13-45"}, "end_date"},
		{"a date on a strike", map[string]any{"action": "strike", "end_date": day(7)}, "end_date"},
		{"an unknown country", map[string]any{"action": "strike", "territorial_scope": "DE XX"}, "territorial_scope"},
		{"markup as scope", map[string]any{"action": "strike", "territorial_scope": "<script>alert(1)</script>"}, "territorial_scope"},
		{"a region as scope", map[string]any{"action": "strike", "territorial_scope": "EU"}, "territorial_scope"},
		{"an unknown action", map[string]any{"action": "delete_everything"}, "action"},
		{"no explanation", map[string]any{"action": "strike", "explanation": " "}, "explanation"},
	} {
		body := map[string]any{"ground": "terms", "explanation": "why"}
		for k, v := range c.in {
			body[k] = v
		}
		wantError(t, c.what, s.modPost(p.modC, "us", item, "decide", body), 400, c.field)
	}
	if n := s.rowCount("us", "decisions", "item_id", item); n != 0 {
		t.Fatalf("refused decisions left %d rows", n)
	}
	if it := queued(s.queue(p.modC, "us"), item); it == nil || it.Status != "claimed" {
		t.Fatalf("the item after refused decisions: %+v", it)
	}
	if r := s.do("GET", "/api/v1/me", nil, bearer(target)...); r.Status != 200 {
		t.Fatalf("a refused suspension took effect: %d", r.Status)
	}
	end := day(30)
	r := s.modPost(p.modC, "us", item, "decide", map[string]any{"action": "suspend", "ground": "terms", "explanation": "Spam.",
		"end_date": end, "territorial_scope": "de, fr"})
	if r.Status != 201 {
		t.Fatalf("a valid suspension: %d %s", r.Status, r.Body)
	}
	var st struct {
		Scope []string `json:"territorial_scope"`
		End   string   `json:"end_date_visibility_restriction"`
	}
	r.json(t, &st)
	if !slices.Equal(st.Scope, []string{"DE", "FR"}) || st.End != end {
		t.Fatalf("statement: %s", r.Body)
	}
	r = s.do("POST", "/api/v1/sessions", map[string]string{"login": target.Handle, "password": target.Password})
	if r.Status != 403 || !strings.Contains(string(r.Body), "suspended until") {
		t.Fatalf("sign-in while suspended: %d %s", r.Status, r.Body)
	}
}

// testModerationPaging: the queue and the transparency export page with
// a cursor and a bounded page size; each page holds what the next does
// not, and together they hold everything.
func testModerationPaging(t *testing.T, s *server, p *modParties) {
	for i := range 5 {
		s.report(p.n3, "comment", s.comment(p.author, p.video, fmt.Sprintf("page filler %d", i)))
	}
	var want []string
	rows, err := rawSQL(s.Cell("us")).Query(`SELECT id FROM queue_items WHERE status IN ('open', 'claimed')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		want = append(want, id)
	}
	rows.Close()
	var got []string
	for cursor, pages := "", 0; ; pages++ {
		var page struct {
			Items      []queueItem `json:"items"`
			NextCursor string      `json:"next_cursor"`
		}
		r := s.do("GET", "/api/v1/moderation/us/queue?limit=2&cursor="+url.QueryEscape(cursor), nil, bearer(p.modC)...)
		if r.Status != 200 {
			t.Fatalf("queue page: %d %s", r.Status, r.Body)
		}
		r.json(t, &page)
		if len(page.Items) > 2 || pages > len(want) {
			t.Fatalf("queue page of %d items, page %d", len(page.Items), pages)
		}
		for _, it := range page.Items {
			got = append(got, it.ID)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) < 5 || !slices.Equal(got, want) {
		t.Fatalf("queue pages hold %v, want %v", got, want)
	}
	for _, q := range []string{"limit=0", "limit=abc", "limit=201", "cursor=garbage"} {
		field := strings.SplitN(q, "=", 2)[0]
		wantError(t, "queue ?"+q, s.do("GET", "/api/v1/moderation/us/queue?"+q, nil, bearer(p.modC)...), 400, field)
	}

	total := 0
	for _, r := range []kurz.Region{"eu", "us", "sg"} {
		total += s.count(r, "decisions")
	}
	seen := map[string]bool{}
	for cursor := ""; ; {
		var page struct {
			Statements []map[string]any `json:"statements"`
			NextCursor string           `json:"next_cursor"`
		}
		r := s.do("GET", "/api/v1/transparency/statements?limit=2&cursor="+url.QueryEscape(cursor), nil)
		if r.Status != 200 {
			t.Fatalf("transparency page: %d %s", r.Status, r.Body)
		}
		r.json(t, &page)
		if len(page.Statements) > 2 {
			t.Fatalf("transparency page of %d", len(page.Statements))
		}
		for _, st := range page.Statements {
			id, _ := st["puid"].(string)
			if seen[id] {
				t.Fatalf("statement %s on two pages", id)
			}
			seen[id] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if total < 3 || len(seen) != total {
		t.Fatalf("transparency pages hold %d statements of %d decisions", len(seen), total)
	}
	for _, q := range []string{"limit=1001", "limit=-1", "cursor=" + url.QueryEscape("!!")} {
		field := strings.SplitN(q, "=", 2)[0]
		wantError(t, "transparency ?"+q, s.do("GET", "/api/v1/transparency/statements?"+q, nil), 400, field)
	}
}

// testNoticeTargets: malformed and unknown targets answer 400 and 404 in
// the error shape, and log no error.
func testNoticeTargets(t *testing.T, s *server, p *modParties) {
	before := len(s.logs.String())
	cid := s.comment(p.author, p.video, "a comment")
	for _, c := range []struct {
		what, typ, id string
		status        int
		field         string
	}{
		{"a malformed ID", "video", "nonsense", 400, "target_id"},
		{"an ID of an unknown region", "video", "zz" + kurz.NewID("us")[2:], 404, ""},
		{"a missing video", "video", kurz.NewID("us"), 404, ""},
		{"a comment named as a video", "video", cid, 404, ""},
		{"an unknown type", "playlist", cid, 400, "target_type"},
	} {
		r := s.do("POST", "/api/v1/reports", map[string]any{"target_type": c.typ, "target_id": c.id,
			"category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC", "explanation": "x"}, bearer(p.n1)...)
		wantError(t, c.what, r, c.status, c.field)
	}
	for _, line := range strings.Split(s.logs.String()[before:], "\n") {
		var e struct {
			Level string `json:"level"`
		}
		if json.Unmarshal([]byte(line), &e) == nil && e.Level == "ERROR" && strings.Contains(line, "/api/v1/reports") {
			t.Errorf("a refused notice logged an error: %s", line)
		}
	}
}

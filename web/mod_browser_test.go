package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// modStub is a stand-in for the moderation, admin and transparency API,
// full of hostile text; it records the decision and the personal-data look.
type modStub struct {
	mu       sync.Mutex
	decided  map[string]any
	decideCT string
	looked   map[string]any
	released []string
}

func (s *modStub) register(mux *http.ServeMux, media string) {
	writeJSON := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	apiErr := func(w http.ResponseWriter, code int, c, msg string) {
		writeJSON(w, code, map[string]any{"error": map[string]string{"code": c, "message": msg}})
	}
	now := time.Now().UTC()
	item := func(id, kind, cat string, reports, prio int, status string, age time.Duration) map[string]any {
		it := map[string]any{"id": id, "kind": kind, "target_type": "video", "target_id": "us_v1", "owner_id": "us_owner",
			"category": cat, "reports": reports, "priority": prio, "status": status, "explanation": xssCaption,
			"created_at": now.Add(-age), "updated_at": now}
		if status == "claimed" {
			it["claimed_by"], it["claimed_at"], it["claim_expires_at"] = "us_m1", now, now.Add(15*time.Minute)
		}
		return it
	}
	mux.HandleFunc("GET /api/v1/regions", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"regions": map[string]any{"us": map[string]any{"hosted": true}, "zz9": map[string]any{"hosted": true}}})
	})
	mux.HandleFunc("GET /api/v1/moderation/{region}/queue", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("region") != "us" {
			apiErr(w, 403, "forbidden", "you are not a moderator of "+r.PathValue("region"))
			return
		}
		if r.URL.Query().Get("cursor") == "page2" {
			// The second page: an item the moderator is involved in.
			own := item("us_i3", "notice", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", 2, 5, "open", time.Hour)
			own["conflict_of_interest"] = xssCaption
			writeJSON(w, 200, map[string]any{"items": []any{own}, "claim_ttl_seconds": 900})
			return
		}
		writeJSON(w, 200, map[string]any{"items": []any{
			item("us_i1", "notice", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", 50, 1000, "open", 5*time.Minute),
			item("us_i2", "appeal", xssCaption, 1, 10, "claimed", 3*time.Hour),
		}, "next_cursor": "page2", "claim_ttl_seconds": 900})
	})
	mux.HandleFunc("POST /api/v1/moderation/{region}/items/{id}/claim", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "us_i1" {
			apiErr(w, 409, "conflict", "another moderator is working on this item")
			return
		}
		writeJSON(w, 200, map[string]any{
			"item": item("us_i1", "notice", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", 50, 1000, "claimed", 5*time.Minute),
			"video": map[string]any{"id": "us_v1", "status": "ready", "caption": xssCaption, "creator": map[string]string{"handle": "mallory"},
				"hls_url": "/media/index.m3u8", "poster_url": "/media/poster.jpg"},
			"prior_decisions": []any{map[string]any{"id": "us_d0", "action": "label", "ground": "terms", "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
				"explanation": xssCaption, "automated": false, "created_at": now.Add(-48 * time.Hour)}},
		})
	})
	mux.HandleFunc("POST /api/v1/moderation/{region}/items/{id}/decide", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		s.mu.Lock()
		s.decided, s.decideCT = in, r.Header.Get("Content-Type")
		s.mu.Unlock()
		writeJSON(w, 201, map[string]any{"puid": "us_d1", "decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED",
			"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT", "incompatible_content_explanation": xssCaption,
			"category": "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "content_type": []string{"CONTENT_TYPE_VIDEO"},
			"territorial_scope": []string{"ALL"}, "application_date": "2026-03-01", "decision_facts": xssCaption,
			"source_type": "SOURCE_ARTICLE_16", "automated_detection": "No", "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
			"platform_name": "kurz", "how_to_appeal": "You may appeal"})
	})
	mux.HandleFunc("GET /api/v1/admin/regions/{region}/audit", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"verified": true, "verified_entries": 2, "entries": []any{
			map[string]any{"seq": 1, "at": now.Add(-time.Hour), "actor_id": "us_m1", "subject_id": "us_p1", "action": "view", "fields": "email,country", "reason": xssCaption},
			map[string]any{"seq": 2, "at": now, "actor_id": "us_m1", "subject_id": "us_p2", "action": "grant", "fields": "role", "reason": "granted"},
		}})
	})
	mux.HandleFunc("POST /api/v1/admin/regions/{region}/people/{handle}/personal", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		in["handle"] = r.PathValue("handle")
		s.mu.Lock()
		s.looked = in
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"id": "us_p1", "handle": r.PathValue("handle"), "email": xssCaption, "country": "US"})
	})
	mux.HandleFunc("POST /api/v1/moderation/{region}/items/{id}/release", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.released = append(s.released, r.PathValue("id"))
		s.mu.Unlock()
		writeJSON(w, 200, map[string]any{"item": item(r.PathValue("id"), "notice", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", 50, 1000, "open", 5*time.Minute)})
	})
	mux.HandleFunc("GET /api/v1/transparency/statements", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "st2" {
			writeJSON(w, 200, map[string]any{"statements": []any{map[string]any{"puid": "us_d2", "decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED",
				"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT", "category": "STATEMENT_CATEGORY_VIOLENCE", "content_type": []string{"CONTENT_TYPE_TEXT"},
				"territorial_scope": []string{"ALL"}, "application_date": "2026-03-02", "automated_detection": "No",
				"automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED"}}})
			return
		}
		writeJSON(w, 200, map[string]any{"statements": []any{map[string]any{"puid": "us_d1", "decision_account": "DECISION_ACCOUNT_SUSPENDED",
			"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT", "category": xssCaption, "content_type": []string{"CONTENT_TYPE_VIDEO"},
			"territorial_scope": []string{"DE", "FR"}, "application_date": "2026-03-01", "automated_detection": "No",
			"automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED"}}, "next_cursor": "st2"})
	})
	if media != "" {
		mux.Handle("GET /media/", http.StripPrefix("/media/", http.FileServer(http.Dir(media))))
	}
}

// TestBrowserModeration drives the moderator pages in headless chromium
// against a stub API full of XSS payloads: the queue, claiming an item,
// deciding it (the JSON sent and the statement shown), a conflict, a
// refused region, the audit log with the personal-data look, and the
// transparency table.
func TestBrowserModeration(t *testing.T) {
	h := New(newFake(), nil)
	chrome := needBrowser(t, h)
	media := makeHLS(t)
	stub := &modStub{}
	mux := http.NewServeMux()
	h.Register(mux)
	stub.register(mux, media)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	br := newBrowser(t, chrome, 1280, 900)
	tctx, do, eval, text := br.Ctx, br.Do, br.Eval, br.Text

	noScriptRan := func(where string) {
		t.Helper()
		if xss := eval(`String(window.__xss)`); xss != "undefined" {
			t.Errorf("%s: injected script ran: window.__xss = %v", where, xss)
		}
		if n := eval(`document.querySelectorAll('main img[src="x"], main a[href^="javascript"], main script').length`); n != 0.0 {
			t.Errorf("%s: %v injected elements", where, n)
		}
	}

	// The queue: rows with translated kind and category, the unknown
	// (hostile) category as text, hosted regions added to the select.
	do(chromedp.Navigate(srv.URL+"/transparency"),
		chromedp.Evaluate[chromedp.Void](`document.cookie = "fake_session=alice; path=/"`),
		chromedp.Navigate(srv.URL+"/mod?region=us"),
		chromedp.WaitVisible(chromedp.CSS(`table.queue tbody tr`)))
	if n := eval(`document.querySelectorAll('table.queue tbody tr').length`); n != 2.0 {
		t.Fatalf("queue rows: %v", n)
	}
	first := text(`table.queue tbody tr:first-child`)
	for _, want := range []string{"Notice", "Protection of minors", "50", "1000", "Open", "Claim"} {
		if !strings.Contains(first, want) {
			t.Errorf("first queue row %q lacks %q", first, want)
		}
	}
	if second := text(`table.queue tbody tr:nth-child(2)`); !strings.Contains(second, "Appeal") || !strings.Contains(second, "<script>window.__xss=1") ||
		!strings.Contains(second, "until") {
		t.Errorf("second queue row: %q", second)
	}
	// The next page is appended; an item the moderator is involved in says
	// why and offers no claim.
	do(chromedp.Click(chromedp.CSS(`.mod-more`)), chromedp.WaitVisible(chromedp.CSS(`table.queue tbody tr:nth-child(3)`)))
	if third := text(`table.queue tbody tr:nth-child(3)`); !strings.Contains(third, "Not for you") || !strings.Contains(third, "<script>window.__xss=1") ||
		eval(`!!document.querySelector('table.queue tbody tr:nth-child(3) a')`) != false {
		t.Errorf("conflicted queue row: %q", third)
	}
	if eval(`document.querySelector('.mod-more').hidden`) != true {
		t.Error("more button shown after the last page")
	}
	if href := eval(`document.querySelector('table.queue tbody tr a').getAttribute('href')`); href != "/mod/item/us/us_i1" {
		t.Errorf("claim link = %v", href)
	}
	if opts := eval(`[...document.querySelectorAll('#region-select option')].map(o => o.value).join(' ')`); opts != "eu us sg zz9" {
		t.Errorf("region options = %v", opts)
	}
	noScriptRan("queue")
	shoot(t, tctx, "mod-queue.png")

	// Claiming: the content, the notifier's text and prior decisions as
	// text; the notice form with the block-media switch for removals.
	do(chromedp.Click(chromedp.CSS(`table.queue tbody tr a`)), chromedp.WaitVisible(chromedp.CSS(`.mod-grid`)))
	if c := text(`.mod-content .caption`); !strings.Contains(c, `onerror="window.__xss=2`) {
		t.Errorf("caption = %q", c)
	}
	if e := text(`.mod-explanation`); !strings.Contains(e, "<script>window.__xss=1") {
		t.Errorf("explanation = %q", e)
	}
	if p := text(`.prior li`); !strings.Contains(p, "Label") || !strings.Contains(p, "<script>window.__xss=1") {
		t.Errorf("prior decision = %q", p)
	}
	if eval(`document.querySelector('.for-notice').hidden || document.querySelector('.for-appeal').hidden === false`) != false {
		t.Error("notice form not shown, or the appeal form shown")
	}
	if eval(`!!document.querySelector('.mod-content video')`) != true {
		t.Error("no player for the video")
	}
	if eval(`document.querySelector('.block-media').hidden`) != false {
		t.Error("block-media switch hidden for a removal")
	}
	noScriptRan("item")
	do(chromedp.SetValue(chromedp.ID("explanation"), "Shows a minor."),
		chromedp.SetValue(chromedp.ID("territorial_scope"), "de, fr"),
		chromedp.Click(chromedp.CSS(`input[name=block_media]`)),
		chromedp.Click(chromedp.CSS(`#decide-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.statement`)))
	stub.mu.Lock()
	want := map[string]any{"action": "remove", "ground": "terms", "legal_ground": "", "explanation": "Shows a minor.", "facts": "",
		"territorial_scope": "DE FR", "end_date": "", "block_media": true}
	if stub.decideCT != "application/json" || len(stub.decided) != len(want) {
		t.Errorf("decide: Content-Type %q, body %v", stub.decideCT, stub.decided)
	}
	for k, v := range want {
		if stub.decided[k] != v {
			t.Errorf("decide %s = %#v, want %#v", k, stub.decided[k], v)
		}
	}
	stub.mu.Unlock()
	st := text(`.statement`)
	for _, want := range []string{"decision_visibility", "DECISION_VISIBILITY_CONTENT_REMOVED", "territorial_scope", "<script>window.__xss=1"} {
		if !strings.Contains(st, want) {
			t.Errorf("statement lacks %q", want)
		}
	}
	if eval(`document.getElementById('decide-form').hidden`) != true || eval(`document.querySelector('.mod-release').hidden`) != true {
		t.Error("decision form or release button still shown after deciding")
	}
	noScriptRan("statement")
	shoot(t, tctx, "mod-decided.png")

	// Releasing a claimed item gives it back and returns to the queue.
	do(chromedp.Navigate(srv.URL+"/mod/item/us/us_i1"), chromedp.WaitVisible(chromedp.CSS(`.mod-release`)))
	if c := text(`[data-field=claim]`); !strings.Contains(c, "until") {
		t.Errorf("claim field = %q", c)
	}
	do(chromedp.Click(chromedp.CSS(`.mod-release`)), chromedp.WaitVisible(chromedp.CSS(`table.queue tbody tr`)))
	stub.mu.Lock()
	if len(stub.released) != 1 || stub.released[0] != "us_i1" {
		t.Errorf("released %v", stub.released)
	}
	stub.mu.Unlock()

	// Someone else holds an item; a region without a role is refused.
	do(chromedp.Navigate(srv.URL+"/mod/item/us/us_i2"), chromedp.Sleep(500*time.Millisecond))
	if s := text(`.mod-status`); !strings.Contains(s, "Another moderator") || eval(`document.querySelector('.mod-grid').hidden`) != true {
		t.Errorf("conflict: status %q", s)
	}
	do(chromedp.Navigate(srv.URL+"/mod?region=eu"), chromedp.Sleep(500*time.Millisecond))
	if s := text(`.mod-status`); !strings.Contains(s, "no staff role") {
		t.Errorf("refused region: status %q", s)
	}

	// The audit log and a look at personal data.
	do(chromedp.Navigate(srv.URL+"/mod/audit?region=us"), chromedp.WaitVisible(chromedp.CSS(`table.audit tbody tr`)))
	if b := text(`.badge.verify`); !strings.Contains(b, "verified: 2") || eval(`document.querySelector('.badge.verify').classList.contains('ok')`) != true {
		t.Errorf("verified badge = %q", b)
	}
	if r := text(`table.audit tbody tr:nth-child(2)`); !strings.Contains(r, "<script>window.__xss=1") || !strings.Contains(r, "email,country") {
		t.Errorf("audit row = %q", r)
	}
	do(chromedp.SetValue(chromedp.ID("personal-handle"), "@bob"),
		chromedp.SetValue(chromedp.ID("personal-reason"), "notice us_n1: check the reporter"),
		chromedp.Click(chromedp.CSS(`#personal-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.personal-result`)))
	if e := text(`.personal-result [data-field=email]`); !strings.Contains(e, "<script>window.__xss=1") {
		t.Errorf("email = %q", e)
	}
	stub.mu.Lock()
	if stub.looked["handle"] != "bob" || stub.looked["reason"] != "notice us_n1: check the reporter" {
		t.Errorf("personal look sent %v", stub.looked)
	}
	stub.mu.Unlock()
	noScriptRan("audit")
	shoot(t, tctx, "mod-audit.png")

	// The public transparency table, signed out.
	do(chromedp.Evaluate[chromedp.Void](`document.cookie = "fake_session=; path=/; max-age=0"`),
		chromedp.Navigate(srv.URL+"/transparency"), chromedp.WaitVisible(chromedp.CSS(`table.statements tbody tr`)))
	if r := text(`table.statements tbody tr`); !strings.Contains(r, "suspended") || !strings.Contains(r, "DE FR") || !strings.Contains(r, "<script>window.__xss=1") {
		t.Errorf("statement row = %q", r)
	}
	do(chromedp.Click(chromedp.CSS(`.transparency-more`)), chromedp.WaitVisible(chromedp.CSS(`table.statements tbody tr:nth-child(2)`)))
	if r := text(`table.statements tbody tr:nth-child(2)`); !strings.Contains(r, "us_d2") || eval(`document.querySelector('.transparency-more').hidden`) != true {
		t.Errorf("second page of statements: %q", r)
	}
	noScriptRan("transparency")
	shoot(t, tctx, "transparency.png")

	br.NoDialogs("moderation pages")
}

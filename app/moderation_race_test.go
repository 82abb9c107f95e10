package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"kurz"
	"kurz/app"
	"kurz/cell"
	"kurz/internal/pgtest"
)

// eachDialect runs fn against a fresh embedded server (eu, us, sg) with
// every region on SQLite, then on PostgreSQL, whatever KURZ_TEST_STORE
// says: the moderation rules must hold on both. Under the race detector
// only PostgreSQL: the Go code is the same, and SQLite (C translated to
// Go) runs many times slower there, every memory access instrumented.
func eachDialect(t *testing.T, edit func(*app.Config), fn func(t *testing.T, s *server)) {
	dialects := []string{"sqlite", "postgres"}
	if raceDetector {
		dialects = dialects[1:] // SQLite runs in the passes without the race detector
	}
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) {
			s := newServer(t, func(c *app.Config) {
				if dialect == "sqlite" {
					c.DB = map[kurz.Region]string{}
				} else if len(c.DB) == 0 {
					for _, r := range c.Regions {
						c.DB[r] = pgtest.NewDatabase(t)
					}
				}
				if edit != nil {
					edit(c)
				}
			})
			fn(t, s)
		})
	}
}

// call is one request of a burst.
type call struct {
	method, path string
	body         any
	token        string
}

// burst sends every call at once (released together) and returns their
// statuses and bodies in order. It reports transport failures through
// t.Errorf, since it cannot stop the test from other goroutines.
func (s *server) burst(calls []call) []*response {
	s.t.Helper()
	out := make([]*response, len(calls))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, _ := json.Marshal(c.body)
			req, _ := http.NewRequest(c.method, s.URL()+c.path, bytes.NewReader(data))
			req.Header.Set("Content-Type", "application/json")
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				s.t.Errorf("%s %s: %v", c.method, c.path, err)
				out[i] = &response{}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			out[i] = &response{Status: resp.StatusCode, Header: resp.Header, Body: b}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// tally counts the statuses of a burst.
func tally(rs []*response) map[int]int {
	out := map[int]int{}
	for _, r := range rs {
		out[r.Status]++
	}
	return out
}

// rowCount counts rows of a region's table matching a condition on one
// column (names from the test, never input).
func (s *server) rowCount(region kurz.Region, table, column, value string) int {
	s.t.Helper()
	var n int
	if err := rawSQL(s.Cell(region)).QueryRow("SELECT count(*) FROM "+table+" WHERE "+column+" = $1", value).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// grantAll makes each account a moderator of region.
func (s *server) grantAll(region kurz.Region, role string, as ...account) {
	s.t.Helper()
	for _, a := range as {
		if err := s.grantStaff(region, a, role); err != nil {
			s.t.Fatal(err)
		}
	}
}

func bearer(a account) []string { return []string{"Authorization", "Bearer " + a.Token} }

// comment posts a comment and returns its ID.
func (s *server) comment(a account, videoID, text string) string {
	s.t.Helper()
	r := s.do("POST", "/api/v1/videos/"+videoID+"/comments", map[string]string{"text": text}, bearer(a)...)
	if r.Status != 201 {
		s.t.Fatalf("comment: %d %s", r.Status, r.Body)
	}
	var cm struct {
		ID string `json:"id"`
	}
	r.json(s.t, &cm)
	return cm.ID
}

// itemAbout returns the one open queue item about a target, read from the
// region's database (the test's own look, not the API's).
func (s *server) itemAbout(region kurz.Region, targetID string) (id string, reports int) {
	s.t.Helper()
	if err := rawSQL(s.Cell(region)).QueryRow(`SELECT id, reports FROM queue_items WHERE target_id = $1 AND status IN ('open', 'claimed')`,
		targetID).Scan(&id, &reports); err != nil {
		s.t.Fatalf("the open item about %s: %v", targetID, err)
	}
	return id, reports
}

// TestModerationRaces hammers each moderation step with parallel requests,
// 20 runs on SQLite and 20 on PostgreSQL (2 each, with 4 notifiers, under
// the race detector), and counts exactly one outcome each time: ten
// notices of one comment at once make one item counting ten; three moderators claiming at once give one claim; five decisions at
// once give one decision; each party's parallel appeals give one appeal
// per party. Then no person ID of another region, and no notifier's or
// appellant's ID at all, is in any row of the content region's queue,
// reports, appeals, decisions or notifier standing, in any encoding.
func TestModerationRaces(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(c *app.Config) { c.Limits.ReportsPerHour, c.Limits.CommentsPerMinute = 10000, 10000 }, func(t *testing.T, s *server) {
		creator := s.signUp("racecreator", "racecreator@example.com", "1990-01-01", "US")
		s.login(&creator)
		author := s.signUp("raceauthor", "raceauthor@example.sg", "1990-01-01", "SG") // a comment's author from another region
		s.login(&author)
		var mods []account
		for _, h := range []string{"racemoda", "racemodb", "racemodc"} {
			m := s.signUp(h, h+"@example.com", "1985-01-01", "US")
			s.login(&m)
			mods = append(mods, m)
		}
		s.grantAll("us", cell.RoleModerator, mods...)
		// Under the race detector (where sign-ups' argon2 and SQLite run many
		// times slower) fewer notifiers and rounds show the same paths.
		runs, parties := 20, 10
		if raceDetector {
			runs, parties = 2, 4
		}
		var notifiers []account
		for i := range parties {
			n := s.signUp(fmt.Sprintf("racenotifier%d", i), fmt.Sprintf("racenotifier%d@example.org", i), "1990-01-01", []string{"DE", "SG", "US"}[i%3])
			s.login(&n)
			notifiers = append(notifiers, n)
		}
		video := s.publish(creator, "a video to argue about")
		waitFor(t, "the video in sg's catalogue", func() bool { _, ok := s.Cell("sg").Index.Video(video); return ok })

		for run := range runs {
			cid := s.comment(author, video, fmt.Sprintf("comment number %d", run))

			// Ten notices at once: one item, ten reports.
			var calls []call
			for _, n := range notifiers {
				calls = append(calls, call{"POST", "/api/v1/reports", map[string]any{"target_type": "comment", "target_id": cid,
					"category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "explanation": "insults"}, n.Token})
			}
			if got := tally(s.burst(calls)); got[201] != len(notifiers) {
				t.Fatalf("run %d: notices %v", run, got)
			}
			if n := s.rowCount("us", "queue_items", "target_id", cid); n != 1 {
				t.Fatalf("run %d: %d queue items for one comment", run, n)
			}
			item, reports := s.itemAbout("us", cid)
			if reports != len(notifiers) || s.rowCount("us", "queue_reports", "item_id", item) != len(notifiers) {
				t.Fatalf("run %d: the item counts %d reports, %d rows", run, reports, s.rowCount("us", "queue_reports", "item_id", item))
			}

			// Three moderators claim at once: one wins.
			calls = nil
			for _, m := range mods {
				calls = append(calls, call{"POST", "/api/v1/moderation/us/items/" + item + "/claim", nil, m.Token})
			}
			rs := s.burst(calls)
			if got := tally(rs); got[200] != 1 || got[409] != len(mods)-1 {
				t.Fatalf("run %d: claims %v", run, got)
			}
			var winner account
			for i, r := range rs {
				if r.Status == 200 {
					winner = mods[i]
				}
			}

			// The winner decides five times at once: one decision.
			calls = nil
			for range 5 {
				calls = append(calls, call{"POST", "/api/v1/moderation/us/items/" + item + "/decide", map[string]any{"action": "remove",
					"ground": "terms", "explanation": "Insults are not allowed."}, winner.Token})
			}
			rs = s.burst(calls)
			if got := tally(rs); got[201] != 1 || got[409] != 4 {
				t.Fatalf("run %d: decisions %v", run, got)
			}
			if n := s.rowCount("us", "decisions", "item_id", item); n != 1 {
				t.Fatalf("run %d: %d decisions on one item", run, n)
			}
			var st struct {
				PUID string `json:"puid"`
			}
			for _, r := range rs {
				if r.Status == 201 {
					r.json(t, &st)
				}
			}

			// The affected person appeals four times at once and a notifier
			// three times: one appeal each.
			calls = nil
			for range 4 {
				calls = append(calls, call{"POST", "/api/v1/appeals", map[string]string{"decision_id": st.PUID, "explanation": "It was a joke."}, author.Token})
			}
			for range 3 {
				calls = append(calls, call{"POST", "/api/v1/appeals", map[string]string{"decision_id": st.PUID, "explanation": "Too mild."}, notifiers[run%len(notifiers)].Token})
			}
			rs = s.burst(calls)
			if got, want := tally(rs[:4]), map[int]int{201: 1, 409: 3}; got[201] != want[201] || got[409] != want[409] {
				t.Fatalf("run %d: the affected person's appeals %v", run, got)
			}
			if got := tally(rs[4:]); got[201] != 1 || got[409] != 2 {
				t.Fatalf("run %d: a notifier's appeals %v", run, got)
			}
			if n := s.rowCount("us", "appeals", "decision_id", st.PUID); n != 2 {
				t.Fatalf("run %d: %d appeals of one decision, want one per party", run, n)
			}
		}

		// Nobody of another region, and no notifier or appellant at all, is
		// named in the content region's moderation records.
		foreign := []string{author.ID}
		for _, n := range notifiers {
			foreign = append(foreign, n.ID)
		}
		scanForIDs(t, s, "us", []string{"queue_items", "queue_reports", "appeals", "decisions", "queue_targets", "reporter_standing"}, foreign)
	})
}

// scanForIDs reads every row of the tables and fails if any column holds
// one of ids, as text, lower- or upper-case hex or base64.
func scanForIDs(t *testing.T, s *server, region kurz.Region, tables, ids []string) {
	t.Helper()
	var needles [][]byte
	for _, id := range ids {
		needles = append(needles, []byte(id), []byte(hex.EncodeToString([]byte(id))), []byte(strings.ToUpper(hex.EncodeToString([]byte(id)))),
			[]byte(base64.StdEncoding.EncodeToString([]byte(id))), []byte(base64.RawURLEncoding.EncodeToString([]byte(id))))
	}
	scanned := 0
	for _, table := range tables {
		rows, err := rawSQL(s.Cell(region)).Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				default:
					b = fmt.Append(nil, v)
				}
				for _, n := range needles {
					if bytes.Contains(b, n) {
						t.Errorf("%s.%s holds a person's ID (%q): %q", table, cols[i], n, b)
					}
				}
				scanned++
			}
		}
		rows.Close()
	}
	if scanned == 0 {
		t.Fatal("nothing to scan")
	}
}

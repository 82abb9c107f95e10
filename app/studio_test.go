package app_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"kurz/app"
)

// studioNumbers is what the tests read of GET /api/v1/studio.
type studioNumbers struct {
	Videos []struct {
		Video struct {
			ID, Status, Caption string
			DurationMS          int64 `json:"duration_ms"`
		}
		Numbers studioTotals
		Days    []struct {
			Day   string
			Views int64
		}
	}
	Totals studioTotals
}

type studioTotals struct {
	Views, Likes, Comments, Shares, Watches int64
	AvgWatchMS                              int64   `json:"avg_watch_ms"`
	CompletionRate                          float64 `json:"completion_rate"`
}

// TestStudioNumbers: the creator studio shows its owner every video with
// views (signed-out visitors' included), likes, comments, shares, watch
// time and completion from the player's view events, each event counted
// once per viewer and day and watch time capped at the video's length;
// another person and an anonymous caller get nothing of it.
func TestStudioNumbers(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *app.Config) { c.TrustedProxies = trustLoopback() })
	maker := s.signUp("studiomaker", "studiomaker@example.org", "1990-01-01", "US")
	s.login(&maker)
	fan := s.signUp("studiofan", "studiofan@example.org", "1990-01-01", "DE")
	s.login(&fan)
	id := s.publish(maker, "numbers please #studio")
	waitFor(t, "the video in eu", func() bool { _, ok := s.Cell("eu").Index.Video(id); return ok })
	view := "/api/v1/videos/" + id + "/view"
	anon := []string{"X-Forwarded-For", "203.0.113.9"}
	for _, ev := range []any{nil, map[string]any{"watch_ms": 400}, map[string]any{"watch_ms": 900, "completed": true}, map[string]any{"shared": true}, map[string]any{"shared": true}} {
		if r := s.do("POST", view, ev, anon...); r.Status != 204 {
			t.Fatalf("signed-out view event %v: %d %s", ev, r.Status, r.Body)
		}
	}
	if r := s.do("POST", view, map[string]any{"watch_ms": -5}, anon...); r.Status != 400 {
		t.Fatalf("a negative watch time: %d %s", r.Status, r.Body)
	}
	fanAuth := []string{"Authorization", "Bearer " + fan.Token}
	if r := s.do("POST", view, map[string]any{"watch_ms": 10_000_000, "completed": true}, fanAuth...); r.Status != 204 {
		t.Fatalf("a signed-in view with watch time: %d %s", r.Status, r.Body)
	}
	if r := s.do("PUT", "/api/v1/videos/"+id+"/like", map[string]any{}, fanAuth...); r.Status != 200 {
		t.Fatalf("like: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", view, map[string]any{"role": "admin"}, fanAuth...); r.Status != 400 {
		t.Fatalf("an unknown field in a view event: %d %s", r.Status, r.Body)
	}

	makerAuth := []string{"Authorization", "Bearer " + maker.Token}
	var st studioNumbers
	waitFor(t, "the studio's numbers", func() bool {
		st = studioNumbers{}
		s.do("GET", "/api/v1/studio", nil, makerAuth...).json(t, &st)
		return st.Totals.Views == 2 && st.Totals.Watches == 2 && st.Totals.Shares == 1 && st.Totals.Likes == 1
	})
	if len(st.Videos) != 1 || st.Videos[0].Video.ID != id || st.Videos[0].Video.Caption != "numbers please #studio" {
		t.Fatalf("studio videos = %+v", st.Videos)
	}
	v := st.Videos[0]
	dur := v.Video.DurationMS
	// The visitor's first watch report (400 ms) counts, the repeat not;
	// the fan's is capped at the video's length and completes it.
	if want := (400 + dur) / 2; v.Numbers.AvgWatchMS != want || v.Numbers.CompletionRate != 0.5 {
		t.Fatalf("average watch %d ms (want %d), completion %.2f (want 0.5)", v.Numbers.AvgWatchMS, want, v.Numbers.CompletionRate)
	}
	if len(v.Days) != 30 || v.Days[29].Views != 2 {
		t.Fatalf("today's views %+v, want 2 in the last of 30 days", v.Days[len(v.Days)-1])
	}

	// Nobody else sees any of it.
	if r := s.do("GET", "/api/v1/studio/videos/"+id, nil, fanAuth...); r.Status != 404 {
		t.Fatalf("another person asks for the video's numbers: %d %s", r.Status, r.Body)
	}
	var theirs studioNumbers
	s.do("GET", "/api/v1/studio", nil, fanAuth...).json(t, &theirs)
	if len(theirs.Videos) != 0 || theirs.Totals.Views != 0 {
		t.Fatalf("another person's studio shows %+v", theirs)
	}
	for _, path := range []string{"/api/v1/studio", "/api/v1/studio/videos/" + id} {
		if r := s.do("GET", path, nil); r.Status != 401 {
			t.Fatalf("anonymous %s: %d %s", path, r.Status, r.Body)
		}
	}
	var one struct{ Numbers studioTotals }
	if r := s.do("GET", "/api/v1/studio/videos/"+id, nil, makerAuth...); r.Status != 200 {
		t.Fatalf("the owner's video numbers: %d %s", r.Status, r.Body)
	} else if r.json(t, &one); one.Numbers.Views != 2 {
		t.Fatalf("the owner's video numbers: %+v", one.Numbers)
	}
}

// TestErrorsInCallersLanguage: the API answers errors in the language
// Accept-Language asks for (German or English), and a sign-up with
// several bad fields names every one of them at once, nothing created.
func TestErrorsInCallersLanguage(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	bad := map[string]string{"handle": "A!", "email": "nope", "password": "short", "birth_date": "", "country": "XX"}
	type fieldMsg struct{ Field, Message string }
	var de, en struct {
		Error struct {
			Code, Message, Field string
			Fields               []fieldMsg
		}
	}
	r := s.do("POST", "/api/v1/accounts", bad, "Accept-Language", "de-DE,de;q=0.9,en;q=0.5")
	if r.Status != 400 || r.Header.Get("Content-Language") != "de" {
		t.Fatalf("German sign-up with bad fields: %d %s %s", r.Status, r.Header.Get("Content-Language"), r.Body)
	}
	r.json(t, &de)
	want := []fieldMsg{
		{"handle", "Ein Nutzername hat 3 bis 24 Zeichen: Buchstaben a–z, Ziffern, „_“ und „.“."},
		{"email", "Das sieht nicht nach einer E-Mail-Adresse aus."},
		{"password", "Ein Passwort braucht mindestens 8 Zeichen."},
		{"birth_date", "Gib dein Geburtsdatum ein."},
		{"country", "Unbekannter Ländercode. Verwende ISO 3166-1 Alpha-2, etwa DE oder US."},
	}
	if len(de.Error.Fields) != len(want) {
		t.Fatalf("German fields = %+v, want %d", de.Error.Fields, len(want))
	}
	for i, w := range want {
		if de.Error.Fields[i] != w {
			t.Errorf("German field %d = %+v, want %+v", i, de.Error.Fields[i], w)
		}
	}
	if de.Error.Field != "handle" || de.Error.Message != want[0].Message {
		t.Errorf("the error itself is the first field's: %+v", de.Error)
	}
	s.do("POST", "/api/v1/accounts", bad, "Accept-Language", "en-US").json(t, &en)
	if len(en.Error.Fields) != 5 || en.Error.Fields[3].Message != "enter your birth date" {
		t.Errorf("English fields = %+v", en.Error.Fields)
	}
	var nf struct{ Error struct{ Message string } }
	s.do("GET", "/api/v1/users/nobody_here_at_all", nil, "Accept-Language", "de").json(t, &nf)
	if nf.Error.Message != "Nicht gefunden." {
		t.Errorf("an unknown person in German: %q", nf.Error.Message)
	}
	// An upload with a caption too long and a visibility unknown: both
	// named, in German, and no video made.
	up := s.signUp("languploader", "languploader@example.org", "1990-01-01", "DE")
	s.login(&up)
	meta := "caption " + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("a", 2201))) +
		",visibility " + base64.StdEncoding.EncodeToString([]byte("everyone"))
	r = s.do("POST", "/api/v1/uploads/", nil, "Authorization", "Bearer "+up.Token, "Tus-Resumable", "1.0.0", "Upload-Length", "100",
		"Upload-Metadata", meta, "Accept-Language", "de")
	var upErr struct{ Error struct{ Fields []fieldMsg } }
	r.json(t, &upErr)
	if r.Status != 400 || len(upErr.Error.Fields) != 2 ||
		upErr.Error.Fields[0] != (fieldMsg{"caption", "Eine Beschreibung hat höchstens 2.200 Zeichen."}) ||
		upErr.Error.Fields[1] != (fieldMsg{"visibility", "Wähle, wer das Video sehen darf: alle, Follower oder nur du."}) {
		t.Errorf("an upload with two bad fields: %d %s", r.Status, r.Body)
	}
	if n := s.count("eu", "videos"); n != 0 {
		t.Errorf("a refused upload left %d videos", n)
	}
	// Nothing was created: the handle is free.
	var p struct{ Error struct{ Code string } }
	s.do("GET", "/api/v1/users/a", nil).json(t, &p)
	if p.Error.Code != "not_found" {
		t.Errorf("a refused sign-up left a profile: %+v", p)
	}
}

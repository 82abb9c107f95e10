package app_test

import (
	"strings"
	"testing"

	"kurz/cell"
)

// TestBlockedEverywhere: a clip removed with "add to the block list" in us
// is refused at upload in eu and sg too (the hash travels on the public
// log); the reversal of the removal lifts the block in every region.
func TestBlockedEverywhere(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	creator := s.signUp("blockedus", "blockedus@example.com", "1990-01-01", "US")
	s.login(&creator)
	mod := s.signUp("blockmodus", "blockmodus@example.com", "1985-01-01", "US")
	s.login(&mod)
	mod2 := s.signUp("blockmodus2", "blockmodus2@example.com", "1985-01-01", "US")
	s.login(&mod2)
	for _, m := range []account{mod, mod2} {
		if err := s.grantStaff("us", m, cell.RoleModerator); err != nil {
			t.Fatal(err)
		}
	}
	_, copyPath, decision := s.blockedClip(t, creator, mod, t.TempDir())
	waitFor(t, "the block in eu and sg", func() bool {
		n := 0
		for _, r := range []string{"eu", "sg"} {
			rows, _ := s.Cell(kurzRegion(r)).Store.Replicas(t.Context(), "blocked")
			n += len(rows)
		}
		return n == 2
	})
	for _, c := range []struct{ handle, country string }{{"blockedeu", "DE"}, {"blockedsg", "SG"}} {
		a := s.signUp(c.handle, c.handle+"@example.com", "1990-01-01", c.country)
		s.login(&a)
		up := s.tusUpload(a.Token, copyPath, map[string]string{"caption": "again"}, 1, "")
		if v := s.waitVideo(a.Token, up.VideoID); v.Status != "removed" || !strings.Contains(v.Error, "not allowed") {
			t.Fatalf("the copy uploaded in %s: %+v", c.country, v)
		}
	}

	// The creator appeals, a second moderator reverses: the block is
	// lifted in every region and the copy publishes in eu.
	if r := s.do("POST", "/api/v1/appeals", map[string]string{"decision_id": decision, "explanation": "It is a film scene."},
		"Authorization", "Bearer "+creator.Token); r.Status != 201 {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	var appealItem string
	for _, it := range s.queue(mod2, "us") {
		if it.Kind == "appeal" {
			appealItem = it.ID
		}
	}
	s.do("POST", "/api/v1/moderation/us/items/"+appealItem+"/claim", nil, "Authorization", "Bearer "+mod2.Token)
	if r := s.do("POST", "/api/v1/moderation/us/items/"+appealItem+"/decide", map[string]any{"action": "reverse",
		"explanation": "On review this is a film scene."}, "Authorization", "Bearer "+mod2.Token); r.Status != 201 {
		t.Fatalf("reversal: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the block lifted in eu and sg", func() bool {
		n := 0
		for _, r := range []string{"eu", "sg"} {
			rows, _ := s.Cell(kurzRegion(r)).Store.Replicas(t.Context(), "blocked")
			n += len(rows)
		}
		return n == 0
	})
	a := s.signUp("unblockedeu", "unblockedeu@example.com", "1990-01-01", "DE")
	s.login(&a)
	up := s.tusUpload(a.Token, copyPath, map[string]string{"caption": "allowed now"}, 1, "")
	if v := s.waitVideo(a.Token, up.VideoID); v.Status != "ready" {
		t.Fatalf("the copy after the reversal: %+v", v)
	}
}

package app_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/policy"
	"kurz/region"
	"kurz/video"
	"kurz/videoapi"
)

// seedVideo publishes a video of owner as processing leaves one (ready,
// caption, hashtags, its public-log entry in the same transaction), through
// the region's store and outbox, without media files (a record does not
// read them). edit may change it first.
func seedVideo(t *testing.T, s *server, owner account, caption string, edit func(*kurz.Video)) string {
	t.Helper()
	c := s.Cell(kurz.Region(owner.Region))
	now := time.Now().UTC().Truncate(time.Millisecond)
	v := &kurz.Video{ID: kurz.NewID(c.Region), OwnerID: owner.ID, Status: kurz.StatusReady, Visibility: kurz.Public, Caption: caption,
		DurationMS: 12_345, Width: 720, Height: 1280, Renditions: "[]", UploadSize: 1 << 20, JobGen: 1, Likes: 3, Comments: 1,
		Views: 40, Allow: kurz.AllowDuet | kurz.AllowStitch, CreatedAt: now, UpdatedAt: now}
	if edit != nil {
		edit(v)
	}
	err := c.Tx(t.Context(), func(q kurz.Queries) error {
		if err := q.CreateVideo(t.Context(), v); err != nil {
			return err
		}
		if err := c.Videos.SyncHashtags(t.Context(), q, v, caption); err != nil {
			return err
		}
		return c.Outbox.SyncVideoLog(t.Context(), q, v)
	})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// waitCatalogued waits until region c's catalogue holds video id and
// every log write of this node.
func waitCatalogued(t *testing.T, c *region.Region, id string) {
	t.Helper()
	waitFor(t, "the catalogue to hold "+id, func() bool {
		_, ok := c.Index.Video(id)
		return ok && c.Outbox.CatalogCurrent()
	})
}

// recordDiff names the fields in which two records differ ("" none).
func recordDiff(a, b *video.VideoJSON) string {
	var diffs []string
	va, vb := reflect.ValueOf(*a), reflect.ValueOf(*b)
	for i := range va.NumField() {
		if fa, fb := va.Field(i).Interface(), vb.Field(i).Interface(); !reflect.DeepEqual(fa, fb) {
			diffs = append(diffs, fmt.Sprintf("%s: catalogue %#v, store %#v", va.Type().Field(i).Name, fa, fb))
		}
	}
	return strings.Join(diffs, "; ")
}

// TestRecordPathsAgree: a public video's record (API and page) answered
// from the catalogue is the record the store answers, field by field
// (counts, label, sound and remix fields, creator, media URLs, the
// viewer's like and follow), for an anonymous and a signed-in viewer; and
// it is what GET /api/v1/videos/{id} answers.
func TestRecordPathsAgree(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := t.Context()
	creator := s.signUp("agreecreator", "agreecreator@example.org", "1990-01-01", "DE")
	viewer := s.signUp("agreeviewer", "agreeviewer@example.org", "1990-01-01", "DE")
	s.login(&creator)
	s.login(&viewer)
	eu := s.Cell(kurz.Region(creator.Region))
	if viewer.Region != creator.Region {
		t.Fatalf("viewer in %s, creator in %s", viewer.Region, creator.Region)
	}
	plain := seedVideo(t, s, creator, "two paths #agree #same", func(v *kurz.Video) { v.SoundName = "my tune" })
	labelled := seedVideo(t, s, creator, "with a label #agree", func(v *kurz.Video) {
		v.Restrictions, v.Allow = "reduced,label:"+policy.TableLabel, kurz.AllowDownload
	})
	stitch := seedVideo(t, s, creator, "a stitch", func(v *kurz.Video) { v.RemixKind, v.RemixOf, v.SoundID = kurz.RemixStitch, plain, plain })
	for _, id := range []string{plain, labelled, stitch} {
		waitCatalogued(t, eu, id)
	}
	if r := s.do("PUT", "/api/v1/videos/"+plain+"/like", nil, bearer(viewer)...); r.Status != 200 {
		t.Fatalf("like: %d %s", r.Status, r.Body)
	}
	if r := s.do("PUT", "/api/v1/users/"+creator.Handle+"/follow", nil, bearer(viewer)...); r.Status != 200 {
		t.Fatalf("follow: %d %s", r.Status, r.Body)
	}
	// The like's and the follow's counts reach the video and both profiles
	// through counter deltas and the log: wait until the catalogue has
	// them all (later log writes would make it step aside meanwhile).
	waitFor(t, "the like and the follow counted in the catalogue", func() bool {
		pv, ok := eu.Index.Video(plain)
		cp, ok2 := eu.Index.Profile(creator.ID)
		vp, ok3 := eu.Index.Profile(viewer.ID)
		return ok && ok2 && ok3 && pv.Likes == 4 && cp.Followers == 1 && vp.Following == 1 && eu.Outbox.CatalogCurrent()
	})
	vp := &kurz.Profile{ID: viewer.ID, Handle: viewer.Handle}
	for _, id := range []string{plain, labelled, stitch} {
		for _, who := range []*kurz.Profile{nil, vp} {
			for _, f := range []policy.Surface{policy.Record, policy.Page, policy.Embed} {
				name := fmt.Sprintf("%s signed-in=%v %s", id, who != nil, f)
				var fromCat *video.VideoJSON
				waitFor(t, name+" answered from the catalogue", func() bool {
					var ok bool
					fromCat, ok = videoapi.FromCatalogue(ctx, who, eu, eu, id, f)
					return ok
				})
				fromStore, err := videoapi.FromStore(ctx, who, eu, eu, id, f)
				if err != nil {
					t.Fatalf("%s: store: %v", name, err)
				}
				if d := recordDiff(fromCat, fromStore); d != "" {
					t.Errorf("%s: the paths differ: %s", name, d)
				}
				a, _ := json.Marshal(fromCat)
				b, _ := json.Marshal(fromStore)
				if string(a) != string(b) {
					t.Errorf("%s: JSON differs:\ncatalogue %s\nstore     %s", name, a, b)
				}
				if f != policy.Record {
					continue
				}
				var hdr []string
				if who != nil {
					hdr = bearer(viewer)
				}
				r := s.do("GET", "/api/v1/videos/"+id, nil, hdr...)
				if r.Status != 200 || strings.TrimSpace(string(r.Body)) != string(a) {
					t.Errorf("%s: GET answered %d %s, want %s", name, r.Status, r.Body, a)
				}
			}
		}
	}
	// The marks are the viewer's own: liked and following on the liked
	// video, following only on the others.
	v, _ := videoapi.FromCatalogue(ctx, vp, eu, eu, plain, policy.Record)
	if !v.Liked || !v.Following || v.Label != "" || v.SoundName != "my tune" {
		t.Errorf("plain video for its liker: %+v", v)
	}
	if v, _ := videoapi.FromCatalogue(ctx, vp, eu, eu, labelled, policy.Record); v.Liked || !v.Following || v.Label != policy.TableLabel {
		t.Errorf("labelled video for the viewer: %+v", v)
	}
}

// TestRecordWrongSide: what the catalogue path must not answer, asked from
// the wrong side. An age-restricted video is never answered from it (its
// record carries a media token) and stays hidden from anonymous viewers
// and minors; a blocked viewer and the owner are answered by the store (404
// and the full record); a video taken down or made private is hidden at
// once, in the very next request, with no wait for the catalogue; a
// minor's video, never in the catalogue, still reaches their approved
// follower from the store and nobody else.
func TestRecordWrongSide(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ctx := t.Context()
	teenBirth := time.Now().AddDate(-14, 0, 0).Format(time.DateOnly)
	creator := s.signUp("wrongcreator", "wrongcreator@example.org", "1990-01-01", "DE")
	teen := s.signUp("wrongteen", "wrongteen@example.org", teenBirth, "DE")
	adult := s.signUp("wrongadult", "wrongadult@example.org", "1990-01-01", "DE")
	minor := s.signUp("wrongminor", "wrongminor@example.org", teenBirth, "DE")
	blocked := s.signUp("wrongblocked", "wrongblocked@example.org", "1990-01-01", "DE")
	staff := s.signUp("wrongstaff", "wrongstaff@example.org", "1985-01-01", "DE")
	for _, a := range []*account{&creator, &teen, &adult, &minor, &blocked, &staff} {
		s.login(a)
	}
	if err := s.grantStaff("eu", staff, cell.RoleModerator); err != nil {
		t.Fatal(err)
	}
	eu := s.Cell(kurz.Region(creator.Region))
	public := seedVideo(t, s, creator, "still up #wrong", nil)
	ageRestricted := seedVideo(t, s, creator, "adults only #wrong", nil)
	takenDown := seedVideo(t, s, creator, "soon gone #wrong", nil)
	madePrivate := seedVideo(t, s, creator, "soon private #wrong", nil)
	teens := seedVideo(t, s, teen, "a teen's clip #wrong", nil)
	for _, id := range []string{public, ageRestricted, takenDown, madePrivate} {
		waitCatalogued(t, eu, id)
	}
	if r := s.do("PUT", "/api/v1/users/"+blocked.Handle+"/block", nil, bearer(creator)...); r.Status != 200 {
		t.Fatalf("block: %d %s", r.Status, r.Body)
	}
	if r := s.do("PUT", "/api/v1/users/"+teen.Handle+"/follow", nil, bearer(adult)...); r.Status != 200 {
		t.Fatalf("follow the teen: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/me/followers/"+adult.Handle+"/approve", nil, bearer(teen)...); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	s.decideOn(staff, "eu", ageRestricted, map[string]any{"action": "age_restrict", "ground": "terms", "explanation": "wrong side"})
	waitFor(t, "the age restriction in the catalogue", func() bool {
		pv, ok := eu.Index.Video(ageRestricted)
		return ok && pv.AgeRestricted && eu.Outbox.CatalogCurrent()
	})

	prof := func(a account) *kurz.Profile {
		if a.ID == "" {
			return nil
		}
		return &kurz.Profile{ID: a.ID, Handle: a.Handle}
	}
	get := func(a account, path string) *response {
		var hdr []string
		if a.Token != "" {
			hdr = bearer(a)
		}
		return s.do("GET", path, nil, hdr...)
	}
	anon := account{}
	// Neither the age-restricted video, nor any video for a blocked
	// viewer or its owner, comes from the catalogue.
	for _, c := range []struct {
		who account
		id  string
	}{{anon, ageRestricted}, {minor, ageRestricted}, {adult, ageRestricted}, {blocked, public}, {creator, public}, {adult, teens}} {
		if v, ok := videoapi.FromCatalogue(ctx, prof(c.who), eu, eu, c.id, policy.Record); ok {
			t.Errorf("%s: %s answered from the catalogue: %+v", c.who.Handle, c.id, v)
		}
	}
	waitFor(t, "the public video answered from the catalogue", func() bool {
		_, ok := videoapi.FromCatalogue(ctx, nil, eu, eu, public, policy.Record)
		return ok
	})
	for _, c := range []struct {
		who    account
		path   string
		status int
	}{
		{anon, "/api/v1/videos/" + ageRestricted, 404}, {minor, "/api/v1/videos/" + ageRestricted, 404},
		{anon, "/v/" + ageRestricted, 404}, {minor, "/v/" + ageRestricted, 404},
		{blocked, "/api/v1/videos/" + public, 404}, {blocked, "/v/" + public, 404},
		{anon, "/api/v1/videos/" + teens, 404}, {minor, "/api/v1/videos/" + teens, 404}, {anon, "/v/" + teens, 404},
		{adult, "/api/v1/videos/" + teens, 200}, {adult, "/v/" + teens, 200},
		{adult, "/api/v1/videos/" + ageRestricted, 200}, {adult, "/v/" + ageRestricted, 200},
	} {
		if r := get(c.who, c.path); r.Status != c.status {
			t.Errorf("%q GET %s: %d, want %d", c.who.Handle, c.path, r.Status, c.status)
		}
	}
	var rec videoJSON
	get(adult, "/api/v1/videos/"+ageRestricted).json(t, &rec)
	if !strings.Contains(rec.HLSURL, "?t=") {
		t.Errorf("an age-restricted video's record has no media token: %q", rec.HLSURL)
	}

	// A takedown and a change to private hide the video in the very next
	// request (the catalogue may not have applied them yet: the store
	// answers until it has); their owner still sees their record.
	for _, path := range []string{"/api/v1/videos/" + takenDown, "/v/" + takenDown, "/api/v1/videos/" + madePrivate} {
		if r := get(anon, path); r.Status != 200 {
			t.Fatalf("GET %s before: %d", path, r.Status)
		}
	}
	s.decideOn(staff, "eu", takenDown, map[string]any{"action": "remove", "ground": "terms", "explanation": "wrong side"})
	if r := s.do("PATCH", "/api/v1/videos/"+madePrivate, map[string]string{"visibility": "private"}, bearer(creator)...); r.Status != 200 {
		t.Fatalf("make private: %d %s", r.Status, r.Body)
	}
	for _, who := range []account{anon, adult} {
		for _, path := range []string{"/api/v1/videos/" + takenDown, "/v/" + takenDown, "/api/v1/videos/" + madePrivate, "/v/" + madePrivate} {
			if r := get(who, path); r.Status != 404 {
				t.Errorf("%q GET %s right after: %d, want 404", who.Handle, path, r.Status)
			}
		}
	}
	var own videoJSON
	get(creator, "/api/v1/videos/"+takenDown).json(t, &own)
	if own.Status != kurz.StatusRemoved {
		t.Errorf("the owner's record of the taken-down video: status %q", own.Status)
	}
	get(creator, "/api/v1/videos/"+madePrivate).json(t, &own)
	if own.Visibility != kurz.Private {
		t.Errorf("the owner's record of the video made private: visibility %q", own.Visibility)
	}
}

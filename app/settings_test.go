package app_test

import (
	"archive/zip"
	"bytes"
	"image/jpeg"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kurz/cell"
	"kurz/internal/imagetest"
	"kurz/sealedmedia"
)

const (
	firefoxLinux  = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	chromeAndroid = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)

// loginUA signs a in with a User-Agent and returns the session's token.
func (s *server) loginUA(a account, ua string) string {
	s.t.Helper()
	r := s.do("POST", "/api/v1/sessions", map[string]string{"login": a.Handle, "password": a.Password}, "User-Agent", ua)
	if r.Status != http.StatusCreated {
		s.t.Fatalf("login %s: %d %s", a.Handle, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.json(s.t, &out)
	return out.Token
}

func withToken(token string) []string { return []string{"Authorization", "Bearer " + token} }

type sessionItem struct {
	ID, Device string
	Current    bool
}

func (s *server) sessionList(token string) []sessionItem {
	s.t.Helper()
	r := s.do("GET", "/api/v1/me/sessions", nil, withToken(token)...)
	if r.Status != 200 {
		s.t.Fatalf("sessions: %d %s", r.Status, r.Body)
	}
	var out struct{ Items []sessionItem }
	r.json(s.t, &out)
	return out.Items
}

// errorField returns the code and field of an error answer.
func errorField(t *testing.T, r *response) (string, string) {
	t.Helper()
	var e struct{ Error struct{ Code, Field string } }
	r.json(t, &e)
	return e.Error.Code, e.Error.Field
}

// Sessions in settings: each with its device, the current one marked;
// ending one (and not another person's); a password change that ends every
// other session (and checks the current password, under the sign-in
// throttles); signing out everywhere.
func TestSettingsSessionsAndPassword(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ann := s.signUp("ann_settings", "ann.settings@example.com", "1990-01-01", "DE")
	bob := s.signUp("bob_settings", "bob.settings@example.com", "1990-01-01", "US")
	phone := s.loginUA(ann, chromeAndroid)
	laptop := s.loginUA(ann, firefoxLinux)
	bobs := s.loginUA(bob, firefoxLinux)

	list := s.sessionList(laptop)
	if len(list) != 2 || !list[0].Current || list[0].Device != "Firefox on Linux" || list[1].Device != "Chrome on Android" || list[1].Current {
		t.Fatalf("sessions seen from the laptop: %+v", list)
	}
	// Another person's session, named by its ID, is not ann's to end.
	bobID := s.sessionList(bobs)[0].ID
	if r := s.do("DELETE", "/api/v1/me/sessions/"+bobID, nil, withToken(laptop)...); r.Status != 404 {
		t.Fatalf("ending another person's session: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, withToken(bobs)...); r.Status != 200 {
		t.Fatalf("bob after ann's try: %d", r.Status)
	}
	// Ending one: the third session ends, the others go on.
	third := s.loginUA(ann, firefoxLinux)
	var thirdID string
	for _, it := range s.sessionList(third) {
		if it.Current {
			thirdID = it.ID
		}
	}
	if r := s.do("DELETE", "/api/v1/me/sessions/"+thirdID, nil, withToken(laptop)...); r.Status != 204 {
		t.Fatalf("ending a session: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, withToken(third)...); r.Status != 401 {
		t.Fatalf("the ended session still works: %d", r.Status)
	}

	// A password change: every field's error, then one that works.
	change := func(cur, next string) *response {
		return s.do("POST", "/api/v1/me/password", map[string]string{"current_password": cur, "new_password": next}, withToken(laptop)...)
	}
	if code, field := errorField(t, change("wrong password here", "another good passphrase")); code != "unauthorized" || field != "current_password" {
		t.Fatalf("a wrong current password: %s %s", code, field)
	}
	if code, field := errorField(t, change(ann.Password, "short")); code != "invalid" || field != "new_password" {
		t.Fatalf("a short new password: %s %s", code, field)
	}
	if r := s.do("POST", "/api/v1/me/password", map[string]string{"current_password": ann.Password, "new_password": "x", "role": "admin"}, withToken(laptop)...); r.Status != 400 {
		t.Fatalf("a change with an extra field: %d", r.Status)
	}
	if r := s.do("GET", "/api/v1/me", nil, withToken(phone)...); r.Status != 200 {
		t.Fatalf("the phone's session ended before the password changed: %d", r.Status)
	}
	if r := change(ann.Password, "another good passphrase"); r.Status != 204 {
		t.Fatalf("password change: %d %s", r.Status, r.Body)
	}
	if r := s.do("GET", "/api/v1/me", nil, withToken(phone)...); r.Status != 401 {
		t.Fatalf("the other session works after the password change: %d", r.Status)
	}
	if r := s.do("GET", "/api/v1/me", nil, withToken(laptop)...); r.Status != 200 {
		t.Fatalf("the session the password was changed from ended: %d", r.Status)
	}
	if r := s.do("POST", "/api/v1/sessions", map[string]string{"login": ann.Handle, "password": ann.Password}); r.Status != 401 {
		t.Fatalf("the old password still signs in: %d", r.Status)
	}
	ann.Password = "another good passphrase"
	again := s.loginUA(ann, chromeAndroid)

	// Sign out everywhere: both sessions end; bob's does not.
	if r := s.do("DELETE", "/api/v1/me/sessions", nil, withToken(again)...); r.Status != 204 {
		t.Fatalf("sign out everywhere: %d %s", r.Status, r.Body)
	}
	for _, tok := range []string{again, laptop} {
		if r := s.do("GET", "/api/v1/me", nil, withToken(tok)...); r.Status != 401 {
			t.Fatalf("a session after signing out everywhere: %d", r.Status)
		}
	}
	if r := s.do("GET", "/api/v1/me", nil, withToken(bobs)...); r.Status != 200 {
		t.Fatalf("bob's session after ann signed out everywhere: %d", r.Status)
	}
	if r := s.do("GET", "/api/v1/me/sessions", nil); r.Status != 401 {
		t.Fatalf("sessions, signed out: %d", r.Status)
	}
}

// Privacy switches: who may comment is enforced in the video's region
// (nobody, followers), show my likes is kept; bad values are refused.
func TestSettingsPrivacy(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ann := s.signUp("ann_priv", "ann.priv@example.com", "1990-01-01", "DE")
	bob := s.signUp("bob_priv", "bob.priv@example.com", "1990-01-01", "US")
	s.login(&ann)
	s.login(&bob)
	set := func(body map[string]any) *response {
		return s.do("PATCH", "/api/v1/me/settings", body, withToken(ann.Token)...)
	}
	if code, field := errorField(t, set(map[string]any{"comments_from": "friends"})); code != "invalid" || field != "comments_from" {
		t.Fatalf("a bad comments_from: %s %s", code, field)
	}
	if r := set(map[string]any{"show_likes": true, "comments_from": "nobody"}); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	var got struct {
		ShowLikes        bool   `json:"show_likes"`
		CommentsFrom     string `json:"comments_from"`
		PersonalizedFeed bool   `json:"personalized_feed"`
	}
	s.do("GET", "/api/v1/me/settings", nil, withToken(ann.Token)...).json(t, &got)
	if !got.ShowLikes || got.CommentsFrom != "nobody" || !got.PersonalizedFeed {
		t.Fatalf("settings after the change: %+v", got)
	}
	// "Show my likes" is one switch: the inbox's, which the notes of
	// likes read, whichever page sets it.
	if r := s.do("GET", "/api/v1/me/inbox/settings", nil, withToken(ann.Token)...); !strings.Contains(string(r.Body), `"show_likes":true`) {
		t.Fatalf("the inbox's show_likes after the settings page set it: %d %s", r.Status, r.Body)
	}
	video := s.publish(ann, "comments are off")
	comment := func(a account) int {
		return s.do("POST", "/api/v1/videos/"+video+"/comments", map[string]string{"text": "hello"}, withToken(a.Token)...).Status
	}
	if st := comment(bob); st != 403 {
		t.Fatalf("bob comments with comments off: %d", st)
	}
	if st := comment(ann); st != 201 {
		t.Fatalf("the owner comments with comments off: %d", st)
	}
	set(map[string]any{"comments_from": "followers"})
	if st := comment(bob); st != 403 {
		t.Fatalf("bob, not following, comments with followers only: %d", st)
	}
	if r := s.do("PUT", "/api/v1/users/"+ann.Handle+"/follow", nil, withToken(bob.Token)...); r.Status != 200 {
		t.Fatalf("follow: %d %s", r.Status, r.Body)
	}
	waitFor(t, "bob's comment as a follower", func() bool { return comment(bob) == 201 })
}

// A profile picture: a JPEG with GPS EXIF comes out square and without
// any metadata, sealed at rest; it is on the profile, served to anyone
// with cache headers; hostile files are refused with a 4xx and nothing
// stored; the export holds it; a pending erasure hides it; removing it
// makes its address 404.
func TestAvatar(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	ann := s.signUp("ann_pic", "ann.pic@example.com", "1990-01-01", "DE")
	s.login(&ann)
	put := func(body []byte, query string) *response {
		return s.do("PUT", "/api/v1/me/avatar"+query, body, append(withToken(ann.Token), "Content-Type", "image/jpeg")...)
	}
	photo := imagetest.WithEXIF(imagetest.JPEG(imagetest.Halves(600, 400)), 1)
	if imagetest.Metadata(photo) == nil {
		t.Fatal("the fixture has no metadata")
	}
	r := put(photo, "?x=100&y=0&side=400")
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var up struct {
		AvatarURL string `json:"avatar_url"`
	}
	r.json(t, &up)
	if !strings.HasPrefix(up.AvatarURL, "/avatars/"+ann.ID+"/") {
		t.Fatalf("avatar_url %q", up.AvatarURL)
	}
	// Sealed at rest: the file in the region's store is not a JPEG.
	ver := strings.TrimSuffix(strings.TrimPrefix(up.AvatarURL, "/avatars/"+ann.ID+"/"), ".jpg")
	eu := s.Cell("eu")
	obj, err := eu.Blobs.Open(t.Context(), cell.AvatarKey(ann.ID, ver))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(obj)
	obj.Close()
	if !bytes.HasPrefix(raw, []byte(sealedmedia.Magic)) || bytes.Contains(raw, []byte("JFIF")) {
		t.Fatalf("the stored picture is not sealed: % x", raw[:16])
	}

	// Anyone may fetch it (once the region's catalogue has the new
	// version, a moment later): a JPEG without metadata, 400×400,
	// cacheable.
	waitFor(t, "the picture public", func() bool { return s.do("GET", up.AvatarURL, nil).Status == 200 })
	pic := s.do("GET", up.AvatarURL, nil)
	if pic.Status != 200 || pic.Header.Get("Content-Type") != "image/jpeg" || !strings.Contains(pic.Header.Get("Cache-Control"), "public") ||
		pic.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("served picture: %d %v", pic.Status, pic.Header)
	}
	if md := imagetest.Metadata(pic.Body); md != nil {
		t.Fatalf("the served picture has metadata: %v", md)
	}
	if m, err := jpeg.Decode(bytes.NewReader(pic.Body)); err != nil || m.Bounds().Dx() != 400 || m.Bounds().Dy() != 400 {
		t.Fatalf("served picture: %v", err)
	}
	// The square kept is x 100-500 of a picture red left of x 300.
	if left, right := imagetest.RedBlue(pic.Body, 150, 200), imagetest.RedBlue(pic.Body, 250, 200); left != "red" || right != "blue" {
		t.Fatalf("the crop: %s left of the middle, %s right of it", left, right)
	}
	var prof struct {
		AvatarURL string `json:"avatar_url"`
	}
	waitFor(t, "the picture on the profile", func() bool {
		s.do("GET", "/api/v1/users/"+ann.Handle, nil).json(t, &prof)
		return prof.AvatarURL == up.AvatarURL
	})
	if r := s.do("GET", "/avatars/"+ann.ID+"/0123456789abcdef.jpg", nil); r.Status != 404 {
		t.Fatalf("a made-up version: %d", r.Status)
	}

	// Hostile files: a 4xx each, nothing stored, the picture unchanged.
	before, _ := eu.Blobs.List(t.Context(), cell.AvatarPrefix(ann.ID))
	polyglot := append(imagetest.JPEG(imagetest.Halves(64, 64)), []byte("PK\x03\x04<html><script>alert(1)</script>")...)
	for name, c := range map[string]struct {
		body   []byte
		status int
	}{
		"not a picture":  {[]byte("#!/bin/sh\necho hello\n"), 400},
		"polyglot":       {polyglot, 400},
		"huge":           {append(bytes.Clone(photo), make([]byte, 11<<20)...), 413},
		"bomb":           {imagetest.PNGBomb(), 413},
		"crop outside":   {photo, 400},
		"negative crop?": {photo, 400},
	} {
		q := ""
		switch name {
		case "crop outside":
			q = "?x=500&y=0&side=400"
		case "negative crop?":
			q = "?x=-1&y=0&side=400"
		}
		if r := put(c.body, q); r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", name, r.Status, r.Body, c.status)
		}
	}
	after, _ := eu.Blobs.List(t.Context(), cell.AvatarPrefix(ann.ID))
	if len(after) != len(before) || len(after) != 1 {
		t.Fatalf("pictures stored: %d before, %d after the hostile uploads", len(before), len(after))
	}
	if r := s.do("PUT", "/api/v1/me/avatar", photo, "Content-Type", "image/jpeg"); r.Status != 401 {
		t.Fatalf("an anonymous upload: %d", r.Status)
	}

	// The export holds the picture.
	url := s.waitExport(nil, withToken(ann.Token)...)
	zr := s.do("GET", url, nil, withToken(ann.Token)...)
	zf, err := zip.NewReader(bytes.NewReader(zr.Body), int64(len(zr.Body)))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	found := false
	for _, f := range zf.File {
		if f.Name == "profile-picture.jpg" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			found = bytes.Equal(b, pic.Body)
		}
	}
	if !found {
		t.Fatal("the export lacks the profile picture")
	}

	// A pending erasure hides it from everyone else; cancelling shows it.
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": ann.Password}, withToken(ann.Token)...); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the picture hidden while the erasure is pending", func() bool { return s.do("GET", up.AvatarURL, nil).Status == 404 })
	if r := s.do("POST", "/api/v1/me/erasure/cancel", nil, withToken(ann.Token)...); r.Status != 204 {
		t.Fatalf("cancel: %d", r.Status)
	}
	waitFor(t, "the picture back", func() bool { return s.do("GET", up.AvatarURL, nil).Status == 200 })

	// Removed: its address is gone, and so is its file.
	if r := s.do("DELETE", "/api/v1/me/avatar", nil, withToken(ann.Token)...); r.Status != 204 {
		t.Fatalf("remove: %d", r.Status)
	}
	if r := s.do("GET", up.AvatarURL, nil); r.Status != 404 {
		t.Fatalf("a removed picture: %d", r.Status)
	}
	if left, _ := eu.Blobs.List(t.Context(), cell.AvatarPrefix(ann.ID)); len(left) != 0 {
		t.Fatalf("files left after removing the picture: %d", len(left))
	}

	// Erasure deletes the picture: a new one, then the grace period ends
	// (the test moves the run date instead of waiting 14 days).
	r = put(photo, "")
	r.json(t, &up)
	if r.Status != 200 {
		t.Fatalf("upload again: %d", r.Status)
	}
	if r := s.do("DELETE", "/api/v1/me", map[string]string{"password": ann.Password}, withToken(ann.Token)...); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	if err := eu.Store.PutErasure(t.Context(), ann.ID, time.Now(), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	eu.Privacy.SweepPrivacy(t.Context())
	if r := s.do("GET", up.AvatarURL, nil); r.Status != 404 {
		t.Fatalf("the picture after erasure: %d", r.Status)
	}
	if left, _ := eu.Blobs.List(t.Context(), cell.AvatarPrefix(ann.ID)); len(left) != 0 {
		t.Fatalf("files left after erasure: %d", len(left))
	}
}

// A profile picture across regions (three processes): another region's
// door serves it from its edge cache while the profile is public, never a
// version that is not current; when the person asks to be erased, every
// door answers 404 and the edge's copy is gone.
func TestAvatarAcrossRegions(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	eu, us := c.at("eu"), c.at("us")
	fan := eu.signUp("picfan", "picfan@example.org", "1990-01-01", "DE")
	eu.login(&fan)
	photo := imagetest.WithEXIF(imagetest.JPEG(imagetest.Halves(500, 500)), 1)
	r := eu.do("PUT", "/api/v1/me/avatar", photo, append(bearer(fan), "Content-Type", "image/jpeg")...)
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var up struct {
		AvatarURL string `json:"avatar_url"`
	}
	r.json(t, &up)
	waitFor(t, "the picture public at home", func() bool { return eu.do("GET", up.AvatarURL, nil).Status == 200 })
	home := eu.do("GET", up.AvatarURL, nil)
	if home.Status != 200 || imagetest.Metadata(home.Body) != nil {
		t.Fatalf("at home: %d %v", home.Status, imagetest.Metadata(home.Body))
	}
	waitFor(t, "the picture on the profile in us", func() bool {
		return strings.Contains(string(us.do("GET", "/api/v1/users/picfan", nil).Body), up.AvatarURL)
	})
	away := us.do("GET", up.AvatarURL, nil)
	if away.Status != 200 || !bytes.Equal(away.Body, home.Body) || !strings.Contains(away.Header.Get("Cache-Control"), "public") {
		t.Fatalf("at the us door: %d %v", away.Status, away.Header)
	}
	edgeDir := filepath.Join(c.dirs["us"], "us", "edge", fan.ID)
	if _, err := os.Stat(filepath.Join(edgeDir, path.Base(up.AvatarURL))); err != nil {
		t.Fatalf("the us edge holds no copy: %v", err)
	}
	if r := us.do("GET", "/avatars/"+fan.ID+"/0123456789abcdef.jpg", nil); r.Status != 404 {
		t.Fatalf("a made-up version at the us door: %d", r.Status)
	}
	// Erasure: hidden everywhere at once, and the edge's copy goes.
	if r := eu.do("DELETE", "/api/v1/me", map[string]string{"password": fan.Password}, bearer(fan)...); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the picture gone at the us door", func() bool { return us.do("GET", up.AvatarURL, nil).Status == 404 })
	waitFor(t, "the us edge's copy gone", func() bool { _, err := os.Stat(edgeDir); return os.IsNotExist(err) })
	if r := eu.do("GET", up.AvatarURL, nil); r.Status != 404 {
		t.Fatalf("at home while the erasure is pending: %d", r.Status)
	}
}

package app_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"kurz"
	"kurz/cell"
	"kurz/internal/mediatest"
)

// Tunes of the sound tests: a melody with a beat (a), another (b).
const (
	soundTuneA = "aevalsrc='0.3*sin(2*PI*(330+110*floor(mod(t*4,4)))*t)+0.2*sin(2*PI*880*t)*lt(mod(t,0.5),0.1)':s=44100"
	soundTuneB = "aevalsrc='0.3*sin(2*PI*(300+200*sin(2*PI*0.5*t))*t)+0.2*sin(2*PI*1200*t)*gt(mod(t,1),0.5)':s=44100"
)

// TestSoundPrintsNamesAndBlocks: a us creator's clip is a sound; an eu
// re-upload of the same audio (another picture, a quarter of the bitrate,
// half the volume) joins it, other audio does not. The creator names
// the sound (nobody else can; a video using another's sound cannot name
// it). A moderator of us blocks it: not a signed-in non-moderator, not a
// moderator of eu (neither at eu's nor at us's moderation path); then
// every region refuses "use this sound" of it (from the source and from
// a re-upload on it), its page says it is blocked and lists nothing, and
// a new eu upload of the same audio waits for review.
func TestSoundPrintsNamesAndBlocks(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	dir := t.TempDir()
	singer := s.signUp("singer", "singer@example.com", "1990-01-01", "US")
	s.login(&singer)
	copier := s.signUp("copier", "copier@example.org", "1990-01-01", "DE")
	s.login(&copier)
	modUS := s.signUp("soundmod_us", "modus@example.com", "1985-01-01", "US")
	s.login(&modUS)
	modEU := s.signUp("soundmod_eu", "modeu@example.org", "1985-01-01", "DE")
	s.login(&modEU)
	if singer.Region != "us" || copier.Region != "eu" {
		t.Fatalf("regions %s %s", singer.Region, copier.Region)
	}
	for _, g := range []struct {
		r kurz.Region
		a account
	}{{"us", modUS}, {"eu", modEU}} {
		if err := s.grantStaff(g.r, g.a, cell.RoleModerator); err != nil {
			t.Fatal(err)
		}
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	colorClip(t, p("song.mp4"), "red", 6, soundTuneA)
	mediatest.FFmpeg(t, "-i", p("song.mp4"), "-f", "lavfi", "-i", "color=c=blue:s=360x640:r=30", "-map", "1:v", "-map", "0:a", "-t", "6",
		"-af", "volume=0.5", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", p("again.mp4"))
	colorClip(t, p("other.mp4"), "blue", 6, soundTuneB)
	upload := func(a account, file, caption string, meta ...string) videoJSON {
		t.Helper()
		m := map[string]string{"caption": caption, "visibility": "public"}
		for i := 0; i+1 < len(meta); i += 2 {
			m[meta[i]] = meta[i+1]
		}
		res := s.tusUpload(a.Token, file, m, 1, "")
		if !res.Done {
			t.Fatalf("upload %s: %+v", caption, res)
		}
		return s.waitVideo(a.Token, res.VideoID)
	}
	soundOf := func(a account, id string) string {
		t.Helper()
		var rec struct{ Sound string }
		s.do("GET", "/api/v1/videos/"+id, nil, "Authorization", "Bearer "+a.Token).json(t, &rec)
		return rec.Sound
	}
	song := upload(singer, p("song.mp4"), "my song")
	if song.Status != "ready" || soundOf(singer, song.ID) != song.ID {
		t.Fatalf("the song: %+v, sound %q", song, soundOf(singer, song.ID))
	}
	waitFor(t, "the song in eu's catalogue", func() bool { _, ok := s.Cell("eu").Index.Video(song.ID); return ok })
	again := upload(copier, p("again.mp4"), "same tune, my picture")
	if again.Status != "ready" || soundOf(copier, again.ID) != song.ID {
		t.Fatalf("the re-upload did not join the song's sound: %+v, sound %q", again, soundOf(copier, again.ID))
	}
	other := upload(copier, p("other.mp4"), "another tune")
	if got := soundOf(copier, other.ID); got != other.ID {
		t.Fatalf("other audio joined sound %q", got)
	}
	type soundPage struct {
		Sound struct {
			ID, Name, Creator string
			Named, Blocked    bool
		}
		Items []struct{ ID string }
	}
	var page soundPage
	waitFor(t, "the sound page to list both", func() bool {
		s.do("GET", "/api/v1/sounds/"+song.ID+"/videos", nil).json(t, &page)
		return len(page.Items) == 2
	})
	if page.Sound.Name != "original sound – @singer" || page.Sound.Named {
		t.Errorf("default name: %+v", page.Sound)
	}

	// Naming: the owner only, and only a video's own sound.
	name := map[string]any{"sound_name": "  Summer   tune "}
	if r := s.do("PATCH", "/api/v1/videos/"+song.ID, name, "Authorization", "Bearer "+copier.Token); r.Status != 404 {
		t.Errorf("someone else named the sound: %d %s", r.Status, r.Body)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+song.ID, name); r.Status != 401 && r.Status != 404 {
		t.Errorf("anonymous named the sound: %d %s", r.Status, r.Body)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+again.ID, name, "Authorization", "Bearer "+copier.Token); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"sound_name"`) {
		t.Errorf("naming a sound the video took: %d %s", r.Status, r.Body)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+song.ID, map[string]any{"sound_name": strings.Repeat("x", 81)}, "Authorization", "Bearer "+singer.Token); r.Status != 400 {
		t.Errorf("an 81-character name: %d %s", r.Status, r.Body)
	}
	if r := s.do("PATCH", "/api/v1/videos/"+song.ID, name, "Authorization", "Bearer "+singer.Token); r.Status != 200 {
		t.Fatalf("the owner naming the sound: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the name on the sound page", func() bool {
		s.do("GET", "/api/v1/sounds/"+song.ID+"/videos", nil).json(t, &page)
		return page.Sound.Name == "Summer tune" && page.Sound.Named
	})
	waitFor(t, "the name in eu's catalogue", func() bool {
		v, _ := s.Cell("eu").Index.Video(song.ID)
		return v != nil && v.SoundName == "Summer tune"
	})

	// Blocking, from the wrong side first.
	block := map[string]any{"category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS", "ground": "terms",
		"explanation": "This sound is a recording its uploader has no rights to.", "facts": "rights holder's notice"}
	wrong := []struct {
		what   string
		a      account
		region string
		status int
	}{
		{"a signed-in non-moderator", copier, "us", 403},
		{"the sound's own creator", singer, "us", 403},
		{"an eu moderator at eu's path", modEU, "eu", 403},
		{"an eu moderator at us's path", modEU, "us", 403},
	}
	for _, w := range wrong {
		if r := s.do("POST", "/api/v1/moderation/"+w.region+"/sounds/"+song.ID+"/block", block, "Authorization", "Bearer "+w.a.Token); r.Status != w.status {
			t.Errorf("%s blocking the sound: %d %s", w.what, r.Status, r.Body)
		}
	}
	if r := s.do("POST", "/api/v1/moderation/us/sounds/"+song.ID+"/block", block); r.Status != 401 {
		t.Errorf("anonymous blocking the sound: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/moderation/us/sounds/"+song.ID+"/block", map[string]any{"category": "NOPE", "ground": "terms", "explanation": "x"},
		"Authorization", "Bearer "+modUS.Token); r.Status != 400 {
		t.Errorf("a block without a valid category: %d %s", r.Status, r.Body)
	}
	if _, ok := s.Cell("eu").Index.Video(song.ID); !ok {
		t.Fatal("the song left eu's catalogue")
	}
	if v, _ := s.Cell("eu").Index.Video(song.ID); v.SoundBlocked {
		t.Fatal("a refused block blocked the sound")
	}
	r := s.do("POST", "/api/v1/moderation/us/sounds/"+song.ID+"/block", block, "Authorization", "Bearer "+modUS.Token)
	if r.Status != 201 || !strings.Contains(string(r.Body), "INTELLECTUAL_PROPERTY") {
		t.Fatalf("the us moderator's block: %d %s", r.Status, r.Body)
	}
	if r := s.do("POST", "/api/v1/moderation/us/sounds/"+song.ID+"/block", block, "Authorization", "Bearer "+modUS.Token); r.Status != 409 {
		t.Errorf("blocking twice: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the block in eu's catalogue", func() bool { v, _ := s.Cell("eu").Index.Video(song.ID); return v != nil && v.SoundBlocked })
	s.do("GET", "/api/v1/sounds/"+song.ID+"/videos", nil).json(t, &page)
	if !page.Sound.Blocked || len(page.Items) != 0 {
		t.Errorf("a blocked sound's page: %+v", page)
	}
	// The creator got the statement of reasons.
	found := false
	for _, st := range s.statements(singer) {
		b, _ := json.Marshal(st)
		found = found || strings.Contains(string(b), "no rights")
	}
	if !found {
		t.Errorf("the creator got no statement of reasons for the block: %v", s.statements(singer))
	}

	// Using it is refused, whichever video it is taken from.
	for _, from := range []string{song.ID, again.ID} {
		res := s.tusUpload(copier.Token, p("other.mp4"), map[string]string{"caption": "x", "remix": "sound", "remix_of": from}, 1, "")
		if res.Done || res.Status != 403 || !strings.Contains(res.Body, `"field":"remix_of"`) || !strings.Contains(res.Body, "blocked") {
			t.Errorf("use this sound of a blocked sound (from %s): %+v", from, res)
		}
	}
	// A new upload of the same audio waits for review.
	held := upload(copier, p("again.mp4"), "trying again")
	if held.Status != "held" || !strings.Contains(held.Error, "blocked") {
		t.Errorf("a re-upload of a blocked sound: %+v", held)
	}
	if fine := upload(copier, p("other.mp4"), "another tune again"); fine.Status != "ready" {
		t.Errorf("other audio after the block: %+v", fine)
	}
}

package storetest

import (
	"reflect"
	"testing"

	"kurz"
)

// Videos: videos, hashtags and the listings and counts over them.
var videoTests = []test{
	{"Videos", testVideos},
	{"VideoFields", testVideoFields},
	{"HashtagOrder", testHashtagOrder},
	{"CountVideos", testCountVideos},
	{"VideosInStatus", testVideosInStatus},
	{"PublicVideos", testPublicVideos},
	{"VideosOf", testVideosOf},
}

func testVideos(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "vera")
	now := at(0)
	v := &kurz.Video{ID: kurz.NewID("eu"), OwnerID: p.ID, Status: kurz.StatusUploading, Visibility: kurz.Private,
		CaptionSealed: []byte{1, 2}, UploadSize: 99, CreatedAt: now, UpdatedAt: now}
	noErr(t, s.CreateVideo(ctx(), v))
	got, err := s.VideoByID(ctx(), v.ID)
	if err != nil || got.OwnerID != p.ID || got.Status != kurz.StatusUploading || string(got.CaptionSealed) != "\x01\x02" || !got.CreatedAt.Equal(now) {
		t.Fatalf("VideoByID = %+v, %v", got, err)
	}
	got.Status, got.JobGen, got.Worker, got.Renditions, got.DurationMS, got.Width = kurz.StatusProcessing, 2, "n1", `[{"x":1}]`, 1500, 720
	got.UpdatedAt = at(1)
	noErr(t, s.UpdateVideo(ctx(), got))
	again := must(s.VideoByID(ctx(), v.ID))(t)
	if again.Status != kurz.StatusProcessing || again.JobGen != 2 || again.Worker != "n1" || again.Renditions != `[{"x":1}]` || again.DurationMS != 1500 {
		t.Fatalf("after update: %+v", again)
	}
	// Progress is set by the job of the video's generation only, for
	// the status it is reported for, and UpdateVideo leaves it.
	noErr(t, s.SetVideoProgress(ctx(), v.ID, 1, kurz.StatusProcessing, 90))
	noErr(t, s.SetVideoProgress(ctx(), v.ID, 2, kurz.StatusProcessing, 40))
	noErr(t, s.SetVideoProgress(ctx(), v.ID, 2, kurz.StatusPlayable, 70))
	noErr(t, s.UpdateVideo(ctx(), got))
	if p := must(s.VideoByID(ctx(), v.ID))(t).Progress; p != 40 {
		t.Fatalf("progress = %d, want 40 (of generation 2)", p)
	}
	missing := *got
	missing.ID = kurz.NewID("eu")
	wantNotFound(t, s.UpdateVideo(ctx(), &missing), "UpdateVideo of a missing video")
	if n := must(s.CountVideos(ctx(), p.ID, at(-3600)))(t); n != 1 {
		t.Fatalf("CountVideos = %d", n)
	}
	list := must(s.VideosInStatus(ctx(), kurz.StatusProcessing, at(3600)))(t)
	wantStrings(t, "VideosInStatus", videoIDs(list), v.ID)

	noErr(t, s.SetHashtags(ctx(), v.ID, []string{"b", "a"}, now))
	noErr(t, s.SetHashtags(ctx(), v.ID, []string{"c", "a"}, now))
	wantStrings(t, "hashtags after a second SetHashtags", must(s.HashtagsOf(ctx(), v.ID))(t), "a", "c")
	noErr(t, s.SetHashtags(ctx(), v.ID, nil, now))
	wantStrings(t, "hashtags after SetHashtags(nil)", must(s.HashtagsOf(ctx(), v.ID))(t))
	noErr(t, s.SetHashtags(ctx(), v.ID, []string{"d"}, now))

	// A video hangs off its owner's profile.
	orphan := *v
	orphan.ID, orphan.OwnerID = kurz.NewID("eu"), kurz.NewID("eu")
	if err := s.CreateVideo(ctx(), &orphan); err == nil {
		t.Fatal("CreateVideo without an owner profile succeeded")
	}
	dup := *v
	dup.Status = kurz.StatusReady
	wantCode(t, s.CreateVideo(ctx(), &dup), kurz.EConflict)

	noErr(t, s.DeleteVideo(ctx(), v.ID))
	_, err = s.VideoByID(ctx(), v.ID)
	wantNotFound(t, err, "VideoByID after delete")
	wantStrings(t, "hashtags of a deleted video", must(s.HashtagsOf(ctx(), v.ID))(t))
	// A new video may not take the deleted one's hashtags with it.
	if err := s.SetHashtags(ctx(), kurz.NewID("eu"), []string{"x"}, now); err == nil {
		t.Fatal("SetHashtags of a missing video succeeded")
	}
}

// testVideoFields: every field round-trips; UpdateVideo writes the mutable
// fields and leaves the owner, creation time and counters alone.
func testVideoFields(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "wes")
	v := &kurz.Video{ID: kurz.NewID("eu"), OwnerID: p.ID, Status: kurz.StatusReady, Visibility: kurz.Public,
		Caption: "hello #tag ✓", CaptionSealed: []byte{0, 9, 0}, Error: "e", DurationMS: 61_000, Width: 1080, Height: 1920,
		Renditions: `[{"h":1920}]`, UploadSize: 5 << 30, JobGen: 3, Worker: "node-a", PHash: "ab12", Restrictions: "reduced,label:x",
		Likes: 7, Comments: 8, Views: 1 << 40, CreatedAt: at(1), UpdatedAt: at(2),
		RemixKind: kurz.RemixDuet, RemixOf: "us_source", SoundID: "us_sound", Allow: kurz.AllowStitch | kurz.AllowDownload,
		AudioPrint: "AAECAw", SoundName: "my tune ♪", SoundBlock: "eu_decision", RemixLayout: kurz.DuetTop}
	noErr(t, s.CreateVideo(ctx(), v))
	got := must(s.VideoByID(ctx(), v.ID))(t)
	if !sameVideo(got, v) {
		t.Fatalf("VideoByID = %+v, want %+v", got, v)
	}

	upd := *v
	upd.Status, upd.Visibility, upd.Caption, upd.CaptionSealed, upd.Error = kurz.StatusRemoved, kurz.Followers, "", []byte{1}, ""
	upd.DurationMS, upd.Width, upd.Height, upd.Renditions, upd.UploadSize = 1, 2, 3, "", 4
	upd.JobGen, upd.Worker, upd.PHash, upd.Restrictions, upd.UpdatedAt = 5, "", "", "age_restricted", at(50)
	upd.OwnerID, upd.CreatedAt, upd.Likes, upd.Comments, upd.Views = kurz.NewID("eu"), at(40), 0, 0, 0
	upd.RemixKind, upd.RemixOf, upd.SoundID, upd.Allow = kurz.RemixSound, "sg_other", "sg_other_sound", kurz.AllowAll
	upd.AudioPrint, upd.SoundName, upd.SoundBlock, upd.RemixLayout = "BAUGBw", "renamed", "", ""
	noErr(t, s.UpdateVideo(ctx(), &upd))
	want := upd
	want.OwnerID, want.CreatedAt, want.Likes, want.Comments, want.Views = v.OwnerID, v.CreatedAt, v.Likes, v.Comments, v.Views
	if got := must(s.VideoByID(ctx(), v.ID))(t); !sameVideo(got, &want) {
		t.Fatalf("after UpdateVideo: %+v, want %+v", got, &want)
	}
}

func sameVideo(a, b *kurz.Video) bool {
	x, y := *a, *b
	if string(x.CaptionSealed) != string(y.CaptionSealed) || !x.CreatedAt.Equal(y.CreatedAt) || !x.UpdatedAt.Equal(y.UpdatedAt) {
		return false
	}
	x.CaptionSealed, y.CaptionSealed, x.CreatedAt, x.UpdatedAt = nil, nil, y.CreatedAt, y.UpdatedAt
	return reflect.DeepEqual(x, y)
}

// testHashtagOrder: HashtagsOf lists tags in byte order whatever the
// database's locale, so a video's tags read the same from either dialect.
// Tags are lower-case letters, digits and '_' of any script.
func testHashtagOrder(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "hugo")
	v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	tags := []string{"été", "f", "a_b", "a1", "ab", "b", "日本", "z", "éa", "e"}
	noErr(t, s.SetHashtags(ctx(), v.ID, tags, at(0)))
	// Byte order: digits < '_' < a-z < Latin-1 letters < CJK.
	wantStrings(t, "HashtagsOf", must(s.HashtagsOf(ctx(), v.ID))(t), "a1", "a_b", "ab", "b", "e", "f", "z", "éa", "été", "日本")
}

func testCountVideos(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "cora")
	other := mustProfile(t, s, "carl")
	mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(10))
	mustVideo(t, s, p.ID, kurz.StatusFailed, kurz.Public, at(20))
	mustVideo(t, s, p.ID, kurz.StatusProcessing, kurz.Private, at(30))
	mustVideo(t, s, other.ID, kurz.StatusReady, kurz.Public, at(30))
	for _, c := range []struct {
		since    int
		statuses []string
		want     int
	}{
		{0, nil, 3},
		{20, nil, 2}, // since is inclusive
		{21, nil, 1},
		{31, nil, 0},
		{0, []string{kurz.StatusReady}, 1},
		{0, []string{kurz.StatusReady, kurz.StatusFailed}, 2},
		{15, []string{kurz.StatusReady, kurz.StatusFailed}, 1},
		{0, []string{kurz.StatusHeld}, 0},
	} {
		if n := must(s.CountVideos(ctx(), p.ID, at(c.since), c.statuses...))(t); n != c.want {
			t.Errorf("CountVideos(since %d, %v) = %d, want %d", c.since, c.statuses, n, c.want)
		}
	}
	if n := must(s.CountVideos(ctx(), kurz.NewID("eu"), at(0)))(t); n != 0 {
		t.Errorf("CountVideos of nobody = %d", n)
	}
}

func testVideosInStatus(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "ivan")
	late := mustVideo(t, s, p.ID, kurz.StatusProcessing, kurz.Public, at(30))
	early := mustVideo(t, s, p.ID, kurz.StatusProcessing, kurz.Public, at(10))
	mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(5))
	// updated at 20, after early's, though created first of the three
	stale := mustVideo(t, s, p.ID, kurz.StatusProcessing, kurz.Public, at(1))
	stale.UpdatedAt = at(20)
	noErr(t, s.UpdateVideo(ctx(), stale))

	// Oldest created first, updated strictly before the bound.
	wantStrings(t, "VideosInStatus(before 31)", videoIDs(must(s.VideosInStatus(ctx(), kurz.StatusProcessing, at(31)))(t)), stale.ID, early.ID, late.ID)
	wantStrings(t, "VideosInStatus(before 30)", videoIDs(must(s.VideosInStatus(ctx(), kurz.StatusProcessing, at(30)))(t)), stale.ID, early.ID)
	wantStrings(t, "VideosInStatus(before 20)", videoIDs(must(s.VideosInStatus(ctx(), kurz.StatusProcessing, at(20)))(t)), early.ID)
	wantStrings(t, "VideosInStatus(failed)", videoIDs(must(s.VideosInStatus(ctx(), kurz.StatusFailed, at(100)))(t)))
}

func testPublicVideos(t *testing.T, s kurz.Store) {
	a := mustProfile(t, s, "pia")
	b := mustProfile(t, s, "pete")
	want := []string{
		mustVideo(t, s, a.ID, kurz.StatusReady, kurz.Public, at(1)).ID,
		mustVideo(t, s, b.ID, kurz.StatusReady, kurz.Public, at(2)).ID,
	}
	mustVideo(t, s, a.ID, kurz.StatusReady, kurz.Followers, at(3))
	mustVideo(t, s, a.ID, kurz.StatusReady, kurz.Private, at(4))
	mustVideo(t, s, a.ID, kurz.StatusProcessing, kurz.Public, at(5))
	mustVideo(t, s, a.ID, kurz.StatusHeld, kurz.Public, at(6))
	mustVideo(t, s, b.ID, kurz.StatusRemoved, kurz.Public, at(7))
	list := must(s.PublicVideos(ctx()))(t)
	wantSet(t, "PublicVideos", videoIDs(list), want...)
	for _, v := range list {
		if v.Status != kurz.StatusReady || v.Visibility != kurz.Public || v.OwnerID == "" {
			t.Fatalf("PublicVideos returned %+v", v)
		}
	}
}

func testVideosOf(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "otto")
	other := mustProfile(t, s, "olga")
	v1 := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(1))
	v3 := mustVideo(t, s, p.ID, kurz.StatusFailed, kurz.Private, at(3))
	// Two created in the same millisecond: the greater ID first.
	x := &kurz.Video{ID: "eu_00000000000000000000000002", OwnerID: p.ID, Status: kurz.StatusReady, Visibility: kurz.Public, CreatedAt: at(2), UpdatedAt: at(2)}
	y := &kurz.Video{ID: "eu_00000000000000000000000001", OwnerID: p.ID, Status: kurz.StatusReady, Visibility: kurz.Public, CreatedAt: at(2), UpdatedAt: at(2)}
	noErr(t, s.CreateVideo(ctx(), y))
	noErr(t, s.CreateVideo(ctx(), x))
	mustVideo(t, s, other.ID, kurz.StatusReady, kurz.Public, at(4))
	wantStrings(t, "VideosOf (newest first)", videoIDs(must(s.VideosOf(ctx(), p.ID))(t)), v3.ID, x.ID, y.ID, v1.ID)
	wantStrings(t, "VideosOf nobody", videoIDs(must(s.VideosOf(ctx(), kurz.NewID("eu")))(t)))
}

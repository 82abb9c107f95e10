package storetest

import (
	"sync"
	"sync/atomic"
	"testing"

	"kurz"
)

// Quota: the per-day work counts behind the daily quotas, and the storage
// a person's videos take.
var quotaTests = []test{
	{"TakeWork", testTakeWork},
	{"TakeWorkConcurrently", testTakeWorkConcurrently},
	{"GiveBackAndForgetWork", testGiveBackAndForgetWork},
	{"StorageUsed", testStorageUsed},
	{"AnonymousViews", testAnonymousViews},
	{"VideoStats", testVideoStats},
}

// testVideoStats: daily counts add up per video and day, only for the
// owner's videos, from a day on; unknown fields and absent videos change
// nothing; a deleted video's days go with it.
func testVideoStats(t *testing.T, s kurz.Store) {
	owner, other := mustProfile(t, s, "statsowner"), mustProfile(t, s, "statsother")
	v1 := mustVideo(t, s, owner.ID, kurz.StatusReady, kurz.Public, t0)
	v2 := mustVideo(t, s, owner.ID, kurz.StatusReady, kurz.Private, t0)
	theirs := mustVideo(t, s, other.ID, kurz.StatusReady, kurz.Public, t0)
	for _, f := range kurz.VideoStatFields {
		noErr(t, s.AddVideoStat(ctx(), v1.ID, 100, f, 2))
	}
	noErr(t, s.AddVideoStat(ctx(), v1.ID, 100, "views", 3))
	noErr(t, s.AddVideoStat(ctx(), v1.ID, 100, "likes", -1))
	noErr(t, s.AddVideoStat(ctx(), v1.ID, 101, "watch_ms", 1500))
	noErr(t, s.AddVideoStat(ctx(), v2.ID, 99, "views", 1))
	noErr(t, s.AddVideoStat(ctx(), theirs.ID, 100, "views", 7))
	noErr(t, s.AddVideoStat(ctx(), kurz.NewID("eu"), 100, "views", 1)) // no such video: skipped
	if err := s.AddVideoStat(ctx(), v1.ID, 100, "views = 0, likes", 1); kurz.ErrorCode(err) != kurz.EInvalid {
		t.Fatalf("AddVideoStat with an unknown field = %v, want invalid", err)
	}
	got := must(s.VideoStatsOf(ctx(), owner.ID, 100))(t)
	want := []kurz.VideoDay{
		{VideoID: v1.ID, Day: 100, Views: 5, Likes: 1, Comments: 2, Shares: 2, WatchMS: 2, Watches: 2, Completions: 2},
		{VideoID: v1.ID, Day: 101, WatchMS: 1500},
	}
	if len(got) != len(want) {
		t.Fatalf("VideoStatsOf = %d days, want %d", len(got), len(want))
	}
	for i := range want {
		if *got[i] != want[i] {
			t.Fatalf("VideoStatsOf[%d] = %+v, want %+v", i, *got[i], want[i])
		}
	}
	if got := must(s.VideoStatsOf(ctx(), owner.ID, 0))(t); len(got) != 3 {
		t.Fatalf("VideoStatsOf from day 0 = %d days, want 3", len(got))
	}
	noErr(t, s.DeleteVideo(ctx(), v1.ID))
	if got := must(s.VideoStatsOf(ctx(), owner.ID, 100))(t); len(got) != 0 {
		t.Fatalf("a deleted video's days remain: %+v", got)
	}
}

// testAnonymousViews: a key counts once; forgetting drops earlier days only.
func testAnonymousViews(t *testing.T, s kurz.Store) {
	a, b := []byte("key-a-0123456789"), []byte("key-b-0123456789")
	if !must(s.AddAnonymousView(ctx(), a, 10))(t) || must(s.AddAnonymousView(ctx(), a, 10))(t) {
		t.Fatal("the first view of a key must count, the second not")
	}
	if !must(s.AddAnonymousView(ctx(), b, 11))(t) {
		t.Fatal("another key counts")
	}
	noErr(t, s.ForgetAnonymousViews(ctx(), 11))
	if !must(s.AddAnonymousView(ctx(), a, 10))(t) {
		t.Fatal("a forgotten day's key counts again")
	}
	if must(s.AddAnonymousView(ctx(), b, 11))(t) {
		t.Fatal("a kept day's key was forgotten")
	}
}

// take calls TakeWork until it refuses (at most 100 times) and returns
// how often it agreed.
func take(t *testing.T, s kurz.Queries, userID, kind string, day int64, limit int) int {
	t.Helper()
	for n := 0; n < 100; n++ {
		if !must(s.TakeWork(ctx(), userID, kind, day, limit))(t) {
			return n
		}
	}
	t.Fatalf("TakeWork never refused (limit %d)", limit)
	return 0
}

// testTakeWork: a limit holds per person, kind and day; deleting what the
// work made gives nothing back.
func testTakeWork(t *testing.T, s kurz.Store) {
	a := mustProfile(t, s, "worka")
	b := mustProfile(t, s, "workb")
	if n := take(t, s, a.ID, kurz.WorkUpload, 100, 3); n != 3 {
		t.Fatalf("took %d uploads under a limit of 3", n)
	}
	// Other kinds, days and people have their own counts.
	if n := take(t, s, a.ID, kurz.WorkExport, 100, 2); n != 2 {
		t.Fatalf("took %d exports under a limit of 2", n)
	}
	if n := take(t, s, a.ID, kurz.WorkUpload, 101, 3); n != 3 {
		t.Fatalf("the next day took %d under a limit of 3", n)
	}
	if n := take(t, s, b.ID, kurz.WorkUpload, 100, 3); n != 3 {
		t.Fatalf("another person took %d under a limit of 3", n)
	}
	// A higher limit later in the day allows the difference; a limit below
	// one allows nothing.
	if n := take(t, s, a.ID, kurz.WorkUpload, 100, 5); n != 2 {
		t.Fatalf("raising the limit to 5 after 3 allowed %d more", n)
	}
	if n := take(t, s, b.ID, kurz.WorkUpload, 102, 0); n != 0 {
		t.Fatalf("a limit of 0 allowed %d", n)
	}
	// Deleting videos does not give back uploads.
	v := mustVideo(t, s, a.ID, kurz.StatusReady, kurz.Public, at(0))
	noErr(t, s.DeleteVideo(ctx(), v.ID))
	if must(s.TakeWork(ctx(), a.ID, kurz.WorkUpload, 100, 5))(t) {
		t.Fatal("deleting a video gave an upload back")
	}
	// A rolled-back transaction takes nothing.
	err := s.Tx(ctx(), func(q kurz.Queries) error {
		if !must(q.TakeWork(ctx(), b.ID, kurz.WorkExport, 100, 1))(t) {
			t.Fatal("first export refused")
		}
		return kurz.Errorf(kurz.EInvalid, "roll back")
	})
	wantCode(t, err, kurz.EInvalid)
	if n := take(t, s, b.ID, kurz.WorkExport, 100, 1); n != 1 {
		t.Fatalf("after a rolled-back take, %d of 1 allowed", n)
	}
}

// testTakeWorkConcurrently: parallel takes against one limit get exactly
// the limit.
func testTakeWorkConcurrently(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "racer")
	var wg sync.WaitGroup
	var got, errs atomic.Int32
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Tx(ctx(), func(q kurz.Queries) error {
				ok, err := q.TakeWork(ctx(), p.ID, kurz.WorkUpload, 7, 5)
				if ok {
					got.Add(1)
				}
				return err
			})
			if err != nil {
				errs.Add(1)
			}
		}()
	}
	wg.Wait()
	if got.Load() != 5 || errs.Load() != 0 {
		t.Fatalf("20 parallel takes under a limit of 5: %d taken, %d errors", got.Load(), errs.Load())
	}
}

func testGiveBackAndForgetWork(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "giver")
	take(t, s, p.ID, kurz.WorkUpload, 10, 2)
	noErr(t, s.GiveBackWork(ctx(), p.ID, kurz.WorkUpload, 10))
	if n := take(t, s, p.ID, kurz.WorkUpload, 10, 2); n != 1 {
		t.Fatalf("after giving one back, %d allowed", n)
	}
	// Never below zero, and unknown rows are no error.
	for range 3 {
		noErr(t, s.GiveBackWork(ctx(), p.ID, kurz.WorkUpload, 10))
	}
	noErr(t, s.GiveBackWork(ctx(), p.ID, kurz.WorkExport, 99))
	if n := take(t, s, p.ID, kurz.WorkUpload, 10, 2); n != 2 {
		t.Fatalf("after giving back more than taken, %d of 2 allowed", n)
	}
	take(t, s, p.ID, kurz.WorkUpload, 11, 2)
	take(t, s, p.ID, kurz.WorkUpload, 12, 2)
	// ForgetWork drops the days before its argument only.
	noErr(t, s.ForgetWork(ctx(), 12))
	if n := take(t, s, p.ID, kurz.WorkUpload, 11, 2); n != 2 {
		t.Fatalf("a forgotten day allowed %d of 2", n)
	}
	if n := take(t, s, p.ID, kurz.WorkUpload, 12, 2); n != 0 {
		t.Fatalf("a kept day allowed %d more", n)
	}
	if c := must(s.TableCounts(ctx()))(t)["work_done"]; c != 2 {
		t.Fatalf("work_done holds %d rows, want 2 (days 11 and 12)", c)
	}
}

func testStorageUsed(t *testing.T, s kurz.Store) {
	a := mustProfile(t, s, "hoarder")
	b := mustProfile(t, s, "other")
	if n := must(s.StorageUsed(ctx(), a.ID))(t); n != 0 {
		t.Fatalf("StorageUsed with no videos = %d", n)
	}
	for i, size := range []int64{100, 2 << 30, 7} {
		v := &kurz.Video{ID: kurz.NewID("eu"), OwnerID: a.ID, Status: kurz.StatusReady, Visibility: kurz.Public, UploadSize: size, CreatedAt: at(i), UpdatedAt: at(i)}
		noErr(t, s.CreateVideo(ctx(), v))
		if i == 2 {
			noErr(t, s.DeleteVideo(ctx(), v.ID))
		}
	}
	mustVideo(t, s, b.ID, kurz.StatusReady, kurz.Public, at(0))
	if n := must(s.StorageUsed(ctx(), a.ID))(t); n != 100+2<<30 {
		t.Fatalf("StorageUsed = %d, want %d", n, 100+2<<30)
	}
}

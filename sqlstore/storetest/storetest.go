// Package storetest is the one test suite every kurz.Store adapter must
// pass, so SQLite and PostgreSQL cannot disagree.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"kurz"
)

// Run runs the suite; open returns a fresh, migrated, empty store.
func Run(t *testing.T, open func(t *testing.T) kurz.Store) {
	tests := map[string]func(*testing.T, kurz.Store){
		"Profiles":         testProfiles,
		"Accounts":         testAccounts,
		"PersonKeys":       testPersonKeys,
		"Sessions":         testSessions,
		"HandleClaims":     testHandleClaims,
		"TxRollback":       testTxRollback,
		"ConcurrentWrites": testConcurrentWrites,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, open(t))
		})
	}
}

func ctx() context.Context { return context.Background() }

func mustProfile(t *testing.T, s kurz.Queries, handle string) *kurz.Profile {
	t.Helper()
	p := &kurz.Profile{ID: kurz.NewID("eu"), Handle: handle, DisplayName: "D " + handle, Bio: "b", Private: true,
		CreatedAt: time.UnixMilli(time.Now().UnixMilli()).UTC()}
	if err := s.CreateProfile(ctx(), p); err != nil {
		t.Fatalf("CreateProfile: %v", err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if kurz.ErrorCode(err) != code {
		t.Fatalf("got error %v (code %s), want code %s", err, kurz.ErrorCode(err), code)
	}
}

func testProfiles(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "alice")
	got, err := s.ProfileByID(ctx(), p.ID)
	if err != nil || *got != *p {
		t.Fatalf("ProfileByID = %+v, %v; want %+v", got, err, p)
	}
	got, err = s.ProfileByHandle(ctx(), "alice")
	if err != nil || got.ID != p.ID {
		t.Fatalf("ProfileByHandle = %+v, %v", got, err)
	}
	_, err = s.ProfileByHandle(ctx(), "bob")
	if !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("missing profile: %v, want ErrNotFound", err)
	}
	dup := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "alice", CreatedAt: time.Now()}
	wantCode(t, s.CreateProfile(ctx(), dup), kurz.EConflict)
}

func testAccounts(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "carol")
	a := &kurz.Account{UserID: p.ID, EmailIndex: []byte{1, 2, 3}, EmailSealed: []byte{4}, BirthDateSealed: []byte{5},
		CountrySealed: []byte{6, 0, 255}, PasswordHash: "$argon2id$x", Minor: true, CreatedAt: p.CreatedAt}
	if err := s.CreateAccount(ctx(), a); err != nil {
		t.Fatal(err)
	}
	got, err := s.AccountByEmailIndex(ctx(), []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != a.UserID || !bytes.Equal(got.CountrySealed, a.CountrySealed) || !got.Minor || got.PasswordHash != a.PasswordHash || !got.CreatedAt.Equal(a.CreatedAt) {
		t.Fatalf("AccountByEmailIndex = %+v, want %+v", got, a)
	}
	if _, err := s.AccountByID(ctx(), p.ID); err != nil {
		t.Fatal(err)
	}
	p2 := mustProfile(t, s, "dave")
	a2 := *a
	a2.UserID = p2.ID
	wantCode(t, s.CreateAccount(ctx(), &a2), kurz.EConflict) // same email index
	_, err = s.AccountByEmailIndex(ctx(), []byte{9})
	if !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func testPersonKeys(t *testing.T, s kurz.Store) {
	if err := s.PutPersonKey(ctx(), "eu_x", []byte("wrapped")); err != nil {
		t.Fatal(err)
	}
	k, err := s.PersonKey(ctx(), "eu_x")
	if err != nil || string(k) != "wrapped" {
		t.Fatalf("PersonKey = %q, %v", k, err)
	}
	if err := s.DeletePersonKey(ctx(), "eu_x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PersonKey(ctx(), "eu_x"); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("after delete: %v, want ErrNotFound", err)
	}
}

func testSessions(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "erin")
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	sess := &kurz.Session{TokenHash: []byte("h1"), UserID: p.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour), IPSealed: []byte("ip")}
	if err := s.CreateSession(ctx(), sess); err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionByTokenHash(ctx(), []byte("h1"))
	if err != nil || got.UserID != p.ID || !got.ExpiresAt.Equal(sess.ExpiresAt) || string(got.IPSealed) != "ip" {
		t.Fatalf("SessionByTokenHash = %+v, %v", got, err)
	}
	if err := s.DeleteSession(ctx(), []byte("h1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByTokenHash(ctx(), []byte("h1")); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func testHandleClaims(t *testing.T, s kurz.Store) {
	c := &kurz.HandleClaim{Handle: "frank", UserID: "us_1", ClaimedAt: time.Now()}
	if err := s.ClaimHandle(ctx(), c); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimHandle(ctx(), c); err != nil {
		t.Fatalf("repeated claim by the same person: %v", err)
	}
	wantCode(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "frank", UserID: "eu_2", ClaimedAt: time.Now()}), kurz.EConflict)
	if err := s.ReleaseHandle(ctx(), "frank", "eu_2"); err != nil {
		t.Fatal(err)
	}
	got, err := s.HandleClaimOf(ctx(), "frank")
	if err != nil || got.UserID != "us_1" {
		t.Fatalf("release by a non-holder changed the claim: %+v, %v", got, err)
	}
	if err := s.ReleaseHandle(ctx(), "frank", "us_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HandleClaimOf(ctx(), "frank"); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("after release: %v", err)
	}
}

func testTxRollback(t *testing.T, s kurz.Store) {
	boom := errors.New("boom")
	err := s.Tx(ctx(), func(q kurz.Queries) error {
		mustProfile(t, q, "gina")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v", err)
	}
	if _, err := s.ProfileByHandle(ctx(), "gina"); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("rolled-back profile visible: %v", err)
	}
	err = s.Tx(ctx(), func(q kurz.Queries) error {
		p := mustProfile(t, q, "hank")
		_, err := q.ProfileByID(ctx(), p.ID) // reads inside the tx see its writes
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testConcurrentWrites: many writers at once never surface "database is
// locked" or lose a row.
func testConcurrentWrites(t *testing.T, s kurz.Store) {
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.Tx(ctx(), func(q kurz.Queries) error {
				p := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "c" + string(rune('a'+i%26)) + string(rune('a'+i/26)), CreatedAt: time.Now()}
				if err := q.CreateProfile(ctx(), p); err != nil {
					return err
				}
				return q.PutPersonKey(ctx(), p.ID, []byte("k"))
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	for i := 0; i < n; i++ {
		h := "c" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if _, err := s.ProfileByHandle(ctx(), h); err != nil {
			t.Fatalf("lost row %s: %v", h, err)
		}
	}
}

func testVideos(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "vera")
	now := time.UnixMilli(time.Now().UnixMilli()).UTC()
	v := &kurz.Video{ID: kurz.NewID("eu"), OwnerID: p.ID, Status: kurz.StatusUploading, Visibility: kurz.Private,
		CaptionSealed: []byte{1, 2}, UploadSize: 99, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateVideo(ctx(), v); err != nil {
		t.Fatal(err)
	}
	got, err := s.VideoByID(ctx(), v.ID)
	if err != nil || got.OwnerID != p.ID || got.Status != kurz.StatusUploading || string(got.CaptionSealed) != "\x01\x02" || !got.CreatedAt.Equal(now) {
		t.Fatalf("VideoByID = %+v, %v", got, err)
	}
	got.Status, got.JobGen, got.Worker, got.Renditions, got.DurationMS, got.Width = kurz.StatusProcessing, 2, "n1", `[{"x":1}]`, 1500, 720
	got.UpdatedAt = now.Add(time.Second)
	if err := s.UpdateVideo(ctx(), got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.VideoByID(ctx(), v.ID)
	if again.Status != kurz.StatusProcessing || again.JobGen != 2 || again.Worker != "n1" || again.Renditions != `[{"x":1}]` || again.DurationMS != 1500 {
		t.Fatalf("after update: %+v", again)
	}
	missing := *got
	missing.ID = kurz.NewID("eu")
	if err := s.UpdateVideo(ctx(), &missing); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("update of a missing video: %v", err)
	}
	if n, err := s.CountVideos(ctx(), p.ID, now.Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("CountVideos = %d, %v", n, err)
	}
	if n, _ := s.CountVideos(ctx(), p.ID, time.Time{}, kurz.StatusReady, kurz.StatusFailed); n != 0 {
		t.Fatalf("CountVideos by status = %d", n)
	}
	if n, _ := s.CountVideos(ctx(), p.ID, time.Time{}, kurz.StatusProcessing); n != 1 {
		t.Fatalf("CountVideos processing = %d", n)
	}
	list, err := s.VideosInStatus(ctx(), kurz.StatusProcessing, now.Add(time.Hour))
	if err != nil || len(list) != 1 || list[0].ID != v.ID {
		t.Fatalf("VideosInStatus = %v, %v", list, err)
	}
	if list, _ := s.VideosInStatus(ctx(), kurz.StatusProcessing, now); len(list) != 0 {
		t.Fatal("VideosInStatus ignores the time bound")
	}
	if err := s.SetHashtags(ctx(), v.ID, []string{"b", "a"}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHashtags(ctx(), v.ID, []string{"c", "a"}, now); err != nil {
		t.Fatal(err)
	}
	if tags, _ := s.HashtagsOf(ctx(), v.ID); strings.Join(tags, ",") != "a,c" {
		t.Fatalf("hashtags = %v", tags)
	}
	if err := s.DeleteVideo(ctx(), v.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.VideoByID(ctx(), v.ID); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if tags, _ := s.HashtagsOf(ctx(), v.ID); len(tags) != 0 {
		t.Fatal("hashtags outlived their video")
	}
}

package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"kurz"
)

// Accounts: profiles, accounts, person keys, sessions and handle claims.
var accountTests = []test{
	{"Profiles", testProfiles},
	{"UpdateProfile", testUpdateProfile},
	{"Accounts", testAccounts},
	{"SuspendAccount", testSuspendAccount},
	{"SetFeedOptOut", testFeedOptOut},
	{"PersonKeys", testPersonKeys},
	{"Sessions", testSessions},
	{"SessionUseAndEnd", testSessionUseAndEnd},
	{"PrivacySettings", testPrivacySettings},
	{"HandleClaims", testHandleClaims},
	{"HandleKeys", testHandleKeys},
	{"HandleKeyRace", testHandleKeyRace},
	{"EmailClaims", testEmailClaims},
	{"EmailClaimRace", testEmailClaimRace},
	{"DirectoryMove", testDirectoryMove},
	{"PasswordResets", testPasswordResets},
}

// testPasswordResets: a link is taken once, by its hash; the password hash
// can be replaced; links go with the person.
func testPasswordResets(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "resetter")
	noErr(t, s.CreateAccount(ctx(), &kurz.Account{UserID: p.ID, EmailIndex: []byte("rs"), EmailSealed: []byte{1}, BirthDateSealed: []byte{1},
		CountrySealed: []byte{1}, PasswordHash: "$old", CreatedAt: at(1)}))
	r := &kurz.PasswordReset{TokenHash: []byte{9, 0, 9}, UserID: p.ID, CreatedAt: at(1), ExpiresAt: at(3601)}
	noErr(t, s.PutPasswordReset(ctx(), r))
	wantCode(t, s.PutPasswordReset(ctx(), r), kurz.EConflict)
	_, err := s.TakePasswordReset(ctx(), []byte{9, 0})
	wantNotFound(t, err, "TakePasswordReset of a prefix")
	got := must(s.TakePasswordReset(ctx(), []byte{9, 0, 9}))(t)
	if got.UserID != p.ID || !got.CreatedAt.Equal(at(1)) || !got.ExpiresAt.Equal(at(3601)) {
		t.Fatalf("TakePasswordReset = %+v", got)
	}
	_, err = s.TakePasswordReset(ctx(), []byte{9, 0, 9})
	wantNotFound(t, err, "a second TakePasswordReset")

	noErr(t, s.SetPasswordHash(ctx(), p.ID, "$new"))
	if a := must(s.AccountByID(ctx(), p.ID))(t); a.PasswordHash != "$new" {
		t.Fatalf("password hash after SetPasswordHash: %q", a.PasswordHash)
	}
	wantNotFound(t, s.SetPasswordHash(ctx(), kurz.NewID("eu"), "$x"), "SetPasswordHash of a missing account")

	noErr(t, s.PutPasswordReset(ctx(), &kurz.PasswordReset{TokenHash: []byte{8}, UserID: p.ID, CreatedAt: at(2), ExpiresAt: at(9)}))
	noErr(t, s.DeletePerson(ctx(), p.ID))
	_, err = s.TakePasswordReset(ctx(), []byte{8})
	wantNotFound(t, err, "a link of an erased person")
}

func testProfiles(t *testing.T, s kurz.Store) {
	p := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "alice", DisplayName: "Alice Ä", Bio: "line 1\nline 2 ✓", Private: true,
		CreatedAt: at(1), Followers: 3, Following: 4}
	noErr(t, s.CreateProfile(ctx(), p))
	got := must(s.ProfileByID(ctx(), p.ID))(t)
	if *got != *p {
		t.Fatalf("ProfileByID = %+v, want %+v", got, p)
	}
	got = must(s.ProfileByHandle(ctx(), "alice"))(t)
	if *got != *p {
		t.Fatalf("ProfileByHandle = %+v, want %+v", got, p)
	}
	public := &kurz.Profile{ID: kurz.NewID("eu"), Handle: "bob", CreatedAt: at(2)}
	noErr(t, s.CreateProfile(ctx(), public))
	if got := must(s.ProfileByID(ctx(), public.ID))(t); got.Private || got.DisplayName != "" || got.Followers != 0 {
		t.Fatalf("zero fields did not stay zero: %+v", got)
	}

	_, err := s.ProfileByHandle(ctx(), "carol")
	wantNotFound(t, err, "ProfileByHandle of a missing handle")
	_, err = s.ProfileByID(ctx(), kurz.NewID("eu"))
	wantNotFound(t, err, "ProfileByID of a missing profile")
	// Handles are stored case-folded; the store compares them exactly.
	_, err = s.ProfileByHandle(ctx(), "ALICE")
	wantNotFound(t, err, "ProfileByHandle with other letter case")

	wantCode(t, s.CreateProfile(ctx(), &kurz.Profile{ID: kurz.NewID("eu"), Handle: "alice", CreatedAt: at(3)}), kurz.EConflict)
	wantCode(t, s.CreateProfile(ctx(), &kurz.Profile{ID: p.ID, Handle: "dora", CreatedAt: at(3)}), kurz.EConflict)
	if got := must(s.ProfileByID(ctx(), p.ID))(t); got.Handle != "alice" {
		t.Fatalf("a conflicting create changed the profile: %+v", got)
	}

	// Listing pages through everyone in ID order.
	page := must(s.Profiles(ctx(), "", 1))(t)
	if len(page) != 1 || page[0].ID != p.ID || *page[0] != *p {
		t.Fatalf("Profiles first page = %+v", page)
	}
	page = must(s.Profiles(ctx(), page[0].ID, 10))(t)
	if len(page) != 1 || page[0].ID != public.ID {
		t.Fatalf("Profiles after %s = %+v", p.ID, page)
	}
	if page := must(s.Profiles(ctx(), public.ID, 10))(t); len(page) != 0 {
		t.Fatalf("Profiles past the end = %+v", page)
	}
}

func testUpdateProfile(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "erin")
	noErr(t, s.AddCounter(ctx(), "profiles", p.ID, "followers", 5))
	upd := *p
	upd.DisplayName, upd.Bio, upd.Private, upd.Avatar = "Erin E", "new bio", false, "v1"
	// Fields UpdateProfile does not write: the handle, the creation time
	// and the counters (changed only by AddCounter).
	upd.Handle, upd.CreatedAt, upd.Followers, upd.Following = "other", at(99), 100, 100
	noErr(t, s.UpdateProfile(ctx(), &upd))
	got := must(s.ProfileByID(ctx(), p.ID))(t)
	want := *p
	want.DisplayName, want.Bio, want.Private, want.Followers, want.Avatar = "Erin E", "new bio", false, 5, "v1"
	if *got != want {
		t.Fatalf("after UpdateProfile: %+v, want %+v", got, want)
	}
	missing := upd
	missing.ID = kurz.NewID("eu")
	wantNotFound(t, s.UpdateProfile(ctx(), &missing), "UpdateProfile of a missing profile")
}

func testAccounts(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "carol")
	a := &kurz.Account{UserID: p.ID, EmailIndex: []byte{1, 2, 3, 0}, EmailSealed: []byte{4, 0, 4}, BirthDateSealed: []byte{5},
		CountrySealed: []byte{6, 0, 255}, PasswordHash: "$argon2id$x", Minor: true, CreatedAt: at(5)}
	noErr(t, s.CreateAccount(ctx(), a))
	for _, get := range []func() (*kurz.Account, error){
		func() (*kurz.Account, error) { return s.AccountByID(ctx(), p.ID) },
		func() (*kurz.Account, error) { return s.AccountByEmailIndex(ctx(), []byte{1, 2, 3, 0}) },
	} {
		got := must(get())(t)
		if got.UserID != a.UserID || !bytes.Equal(got.EmailIndex, a.EmailIndex) || !bytes.Equal(got.EmailSealed, a.EmailSealed) ||
			!bytes.Equal(got.BirthDateSealed, a.BirthDateSealed) || !bytes.Equal(got.CountrySealed, a.CountrySealed) ||
			got.PasswordHash != a.PasswordHash || !got.Minor || !got.CreatedAt.Equal(a.CreatedAt) || !got.SuspendedUntil.IsZero() {
			t.Fatalf("account = %+v, want %+v", got, a)
		}
	}
	// A prefix of the index is another index.
	_, err := s.AccountByEmailIndex(ctx(), []byte{1, 2, 3})
	wantNotFound(t, err, "AccountByEmailIndex of a prefix")
	_, err = s.AccountByID(ctx(), kurz.NewID("eu"))
	wantNotFound(t, err, "AccountByID of a missing account")

	p2 := mustProfile(t, s, "dave")
	a2 := *a
	a2.UserID = p2.ID
	wantCode(t, s.CreateAccount(ctx(), &a2), kurz.EConflict) // same email index
	a3 := *a
	a3.EmailIndex = []byte{7}
	wantCode(t, s.CreateAccount(ctx(), &a3), kurz.EConflict) // same person
	// An account hangs off a profile: none without one.
	a4 := *a
	a4.UserID, a4.EmailIndex = kurz.NewID("eu"), []byte{8}
	if err := s.CreateAccount(ctx(), &a4); err == nil {
		t.Fatal("CreateAccount without a profile succeeded")
	}
	_, err = s.AccountByEmailIndex(ctx(), []byte{8})
	wantNotFound(t, err, "account of a missing profile")
}

func testSuspendAccount(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "sam")
	noErr(t, s.CreateAccount(ctx(), &kurz.Account{UserID: p.ID, EmailIndex: []byte("i"), EmailSealed: []byte("e"),
		BirthDateSealed: []byte("b"), CountrySealed: []byte("c"), PasswordHash: "h", CreatedAt: at(0)}))
	until := at(3600)
	noErr(t, s.SuspendAccount(ctx(), p.ID, until))
	if got := must(s.AccountByID(ctx(), p.ID))(t); !got.SuspendedUntil.Equal(until) {
		t.Fatalf("SuspendedUntil = %v, want %v", got.SuspendedUntil, until)
	}
	noErr(t, s.SuspendAccount(ctx(), p.ID, time.Time{}))
	if got := must(s.AccountByEmailIndex(ctx(), []byte("i")))(t); !got.SuspendedUntil.IsZero() {
		t.Fatalf("a zero time did not lift the suspension: %v", got.SuspendedUntil)
	}
	wantNotFound(t, s.SuspendAccount(ctx(), kurz.NewID("eu"), until), "SuspendAccount of a missing account")
}

func testFeedOptOut(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "olga")
	noErr(t, s.CreateAccount(ctx(), &kurz.Account{UserID: p.ID, EmailIndex: []byte("o"), EmailSealed: []byte("e"),
		BirthDateSealed: []byte("b"), CountrySealed: []byte("c"), PasswordHash: "h", CreatedAt: at(0)}))
	if must(s.AccountByID(ctx(), p.ID))(t).FeedOptOut {
		t.Fatal("a new account starts opted out of personalised feeds")
	}
	noErr(t, s.SetFeedOptOut(ctx(), p.ID, true))
	if !must(s.AccountByID(ctx(), p.ID))(t).FeedOptOut {
		t.Fatal("SetFeedOptOut(true) did not stick")
	}
	noErr(t, s.SetFeedOptOut(ctx(), p.ID, false))
	if must(s.AccountByEmailIndex(ctx(), []byte("o")))(t).FeedOptOut {
		t.Fatal("SetFeedOptOut(false) did not stick")
	}
	wantNotFound(t, s.SetFeedOptOut(ctx(), kurz.NewID("eu"), true), "SetFeedOptOut of a missing account")
}

func testPersonKeys(t *testing.T, s kurz.Store) {
	key := []byte{0, 1, 2, 0, 255}
	noErr(t, s.PutPersonKey(ctx(), "eu_x", key))
	noErr(t, s.PutPersonKey(ctx(), "eu_y", []byte("other")))
	if k := must(s.PersonKey(ctx(), "eu_x"))(t); !bytes.Equal(k, key) {
		t.Fatalf("PersonKey = %v, want %v", k, key)
	}
	// A second key would make the first one's ciphertexts unreadable: it
	// is a conflict, and the first key stays.
	wantCode(t, s.PutPersonKey(ctx(), "eu_x", []byte("replacement")), kurz.EConflict)
	if k := must(s.PersonKey(ctx(), "eu_x"))(t); !bytes.Equal(k, key) {
		t.Fatalf("PersonKey after a conflicting put = %v, want %v", k, key)
	}
	noErr(t, s.DeletePersonKey(ctx(), "eu_x"))
	_, err := s.PersonKey(ctx(), "eu_x")
	wantNotFound(t, err, "PersonKey after delete")
	// Deleting is idempotent (an erasure may run again after a crash).
	noErr(t, s.DeletePersonKey(ctx(), "eu_x"))
	if k := must(s.PersonKey(ctx(), "eu_y"))(t); string(k) != "other" {
		t.Fatalf("another person's key changed: %q", k)
	}
	// A KEK rotation lists the keys and swaps each only if unchanged.
	inner := s
	if r, isRec := s.(recStore); isRec {
		inner = r.s
	}
	rot, ok := inner.(interface {
		PersonKeys(ctx context.Context, after string, limit int) ([]string, [][]byte, error)
		SwapPersonKey(ctx context.Context, userID string, old, new []byte) (bool, error)
	})
	if !ok {
		t.Fatal("the store cannot list and swap wrapped keys (KEK rotation)")
	}
	noErr(t, s.PutPersonKey(ctx(), "eu_z", []byte("zz")))
	ids, keys, err := rot.PersonKeys(ctx(), "", 1)
	noErr(t, err)
	if len(ids) != 1 || ids[0] != "eu_y" || string(keys[0]) != "other" {
		t.Fatalf("PersonKeys first page = %q %q", ids, keys)
	}
	if ids, _, err = rot.PersonKeys(ctx(), "eu_y", 10); err != nil || len(ids) != 1 || ids[0] != "eu_z" {
		t.Fatalf("PersonKeys after eu_y = %q %v", ids, err)
	}
	if ok := must(rot.SwapPersonKey(ctx(), "eu_z", []byte("stale"), []byte("new")))(t); ok {
		t.Fatal("SwapPersonKey replaced a key that had changed")
	}
	if ok := must(rot.SwapPersonKey(ctx(), "eu_x", nil, []byte("new")))(t); ok {
		t.Fatal("SwapPersonKey brought back an erased key")
	}
	if ok := must(rot.SwapPersonKey(ctx(), "eu_z", []byte("zz"), []byte("new")))(t); !ok {
		t.Fatal("SwapPersonKey did not replace an unchanged key")
	}
	if k := must(s.PersonKey(ctx(), "eu_z"))(t); string(k) != "new" {
		t.Fatalf("key after swap = %q", k)
	}
}

func testSessions(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "erin")
	sess := &kurz.Session{TokenHash: []byte("h1\x00"), UserID: p.ID, CreatedAt: at(0), ExpiresAt: at(3600), IPSealed: []byte("ip")}
	noErr(t, s.CreateSession(ctx(), sess))
	noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("h2"), UserID: p.ID, CreatedAt: at(1), ExpiresAt: at(3600)}))
	got := must(s.SessionByTokenHash(ctx(), []byte("h1\x00")))(t)
	if !bytes.Equal(got.TokenHash, sess.TokenHash) || got.UserID != p.ID || !got.CreatedAt.Equal(sess.CreatedAt) ||
		!got.ExpiresAt.Equal(sess.ExpiresAt) || string(got.IPSealed) != "ip" {
		t.Fatalf("SessionByTokenHash = %+v, want %+v", got, sess)
	}
	if got := must(s.SessionByTokenHash(ctx(), []byte("h2")))(t); got.IPSealed != nil {
		t.Fatalf("a session without an IP has IPSealed %v", got.IPSealed)
	}
	_, err := s.SessionByTokenHash(ctx(), []byte("h1"))
	wantNotFound(t, err, "SessionByTokenHash of a prefix")
	wantCode(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("h2"), UserID: p.ID, CreatedAt: at(2), ExpiresAt: at(9)}), kurz.EConflict)
	if err := s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("h3"), UserID: kurz.NewID("eu"), CreatedAt: at(2), ExpiresAt: at(9)}); err == nil {
		t.Fatal("CreateSession without a profile succeeded")
	}

	noErr(t, s.DeleteSession(ctx(), []byte("h1\x00")))
	_, err = s.SessionByTokenHash(ctx(), []byte("h1\x00"))
	wantNotFound(t, err, "session after delete")
	// Signing out twice is not an error.
	noErr(t, s.DeleteSession(ctx(), []byte("h1\x00")))
	must(s.SessionByTokenHash(ctx(), []byte("h2")))(t)
}

// Settings list sessions with their device and last use, and end all of
// a person's but one; another person's sessions stay.
func testSessionUseAndEnd(t *testing.T, s kurz.Store) {
	p, other := mustProfile(t, s, "sally"), mustProfile(t, s, "sam")
	noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("s1"), UserID: p.ID, CreatedAt: at(0), ExpiresAt: at(3600), DeviceSealed: []byte("dev")}))
	noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("s2"), UserID: p.ID, CreatedAt: at(1), ExpiresAt: at(3600)}))
	noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("s3"), UserID: p.ID, CreatedAt: at(2), ExpiresAt: at(3600)}))
	noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("o1"), UserID: other.ID, CreatedAt: at(2), ExpiresAt: at(3600)}))
	got := must(s.SessionByTokenHash(ctx(), []byte("s1")))(t)
	if string(got.DeviceSealed) != "dev" || !got.UsedAt.IsZero() {
		t.Fatalf("new session: device %q, used %v", got.DeviceSealed, got.UsedAt)
	}
	noErr(t, s.TouchSession(ctx(), []byte("s1"), at(60)))
	if got := must(s.SessionByTokenHash(ctx(), []byte("s1")))(t); !got.UsedAt.Equal(at(60)) {
		t.Fatalf("UsedAt after touch = %v, want %v", got.UsedAt, at(60))
	}
	noErr(t, s.DeleteSessionsExcept(ctx(), p.ID, []byte("s2")))
	list := must(s.SessionsOf(ctx(), p.ID))(t)
	if len(list) != 1 || string(list[0].TokenHash) != "s2" {
		t.Fatalf("after DeleteSessionsExcept: %d sessions", len(list))
	}
	must(s.SessionByTokenHash(ctx(), []byte("o1")))(t)
}

func testPrivacySettings(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "pia")
	noErr(t, s.CreateAccount(ctx(), &kurz.Account{UserID: p.ID, EmailIndex: []byte("pia-ix"), EmailSealed: []byte{1}, BirthDateSealed: []byte{2}, CountrySealed: []byte{3}, PasswordHash: "h", CreatedAt: at(0)}))
	a := must(s.AccountByID(ctx(), p.ID))(t)
	if a.ShowLikes || a.CommentsFrom != kurz.CommentsEveryone {
		t.Fatalf("defaults: show likes %v, comments from %q", a.ShowLikes, a.CommentsFrom)
	}
	noErr(t, s.SetPrivacySettings(ctx(), p.ID, true, kurz.CommentsFollowers))
	a = must(s.AccountByID(ctx(), p.ID))(t)
	if !a.ShowLikes || a.CommentsFrom != kurz.CommentsFollowers {
		t.Fatalf("after set: show likes %v, comments from %q", a.ShowLikes, a.CommentsFrom)
	}
	wantNotFound(t, s.SetPrivacySettings(ctx(), "eu_nobody", true, kurz.CommentsNobody), "SetPrivacySettings of nobody")
}

func testHandleClaims(t *testing.T, s kurz.Store) {
	c := &kurz.HandleClaim{Handle: "frank", UserID: "us_1", ClaimedAt: at(7)}
	noErr(t, s.ClaimHandle(ctx(), c))
	got := must(s.HandleClaimOf(ctx(), "frank"))(t)
	if *got != *c {
		t.Fatalf("HandleClaimOf = %+v, want %+v", got, c)
	}
	if err := s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "frank", UserID: "us_1", ClaimedAt: at(8)}); err != nil {
		t.Fatalf("repeated claim by the same person: %v", err)
	}
	wantCode(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "frank", UserID: "eu_2", ClaimedAt: at(9)}), kurz.EConflict)
	noErr(t, s.ReleaseHandle(ctx(), "frank", "eu_2"))
	if got := must(s.HandleClaimOf(ctx(), "frank"))(t); got.UserID != "us_1" {
		t.Fatalf("release by a non-holder changed the claim: %+v", got)
	}
	noErr(t, s.ReleaseHandle(ctx(), "frank", "us_1"))
	_, err := s.HandleClaimOf(ctx(), "frank")
	wantNotFound(t, err, "HandleClaimOf after release")
	// A released handle is free for someone else.
	noErr(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "frank", UserID: "eu_2", ClaimedAt: at(10)}))
	if got := must(s.HandleClaimOf(ctx(), "frank"))(t); got.UserID != "eu_2" {
		t.Fatalf("claim after release: %+v", got)
	}
}

func testEmailClaims(t *testing.T, s kurz.Store) {
	key := []byte{0, 1, 2, 255}
	noErr(t, s.ClaimEmail(ctx(), key, "us_1", at(1)))
	if got := must(s.EmailClaimOf(ctx(), key))(t); got != "us_1" {
		t.Fatalf("EmailClaimOf = %q, want us_1", got)
	}
	// Claiming again (a retried sign-up) is no conflict.
	noErr(t, s.ClaimEmail(ctx(), key, "us_1", at(2)))
	wantCode(t, s.ClaimEmail(ctx(), key, "eu_2", at(3)), kurz.EConflict)
	// A prefix of a key is another key.
	noErr(t, s.ClaimEmail(ctx(), key[:3], "eu_2", at(4)))
	_, err := s.EmailClaimOf(ctx(), []byte{9})
	wantNotFound(t, err, "EmailClaimOf of an unclaimed key")

	// Release drops the person's claims only.
	noErr(t, s.ClaimEmail(ctx(), []byte("second"), "us_1", at(5)))
	noErr(t, s.ReleaseEmails(ctx(), "us_1"))
	for _, k := range [][]byte{key, []byte("second")} {
		_, err := s.EmailClaimOf(ctx(), k)
		wantNotFound(t, err, "EmailClaimOf after release")
	}
	if got := must(s.EmailClaimOf(ctx(), key[:3]))(t); got != "eu_2" {
		t.Fatalf("another person's claim after release = %q", got)
	}
	// Releasing twice (a retried erasure step) is no error; a released
	// email is free for someone else.
	noErr(t, s.ReleaseEmails(ctx(), "us_1"))
	noErr(t, s.ClaimEmail(ctx(), key, "sg_3", at(6)))
	if got := must(s.EmailClaimOf(ctx(), key))(t); got != "sg_3" {
		t.Fatalf("claim after release = %q", got)
	}
}

// testEmailClaimRace: of many people claiming one key at once, exactly one
// gets it and every other gets a conflict.
func testEmailClaimRace(t *testing.T, s kurz.Store) {
	for round := range 5 {
		key := []byte{byte(round), 'k'}
		const n = 12
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.ClaimEmail(ctx(), key, fmt.Sprintf("eu_%d", i), at(round))
			}()
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case kurz.ErrorCode(err) != kurz.EConflict:
				t.Fatalf("round %d: a losing claim failed with %v, want a conflict", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d claims won, want 1", round, won)
		}
	}
}

// testHandleKeys: look-alike handles share a key, and a key is held once.
func testHandleKeys(t *testing.T, s kurz.Store) {
	c := &kurz.HandleClaim{Handle: "paypal", Key: "paypal", UserID: "us_1", ClaimedAt: at(1)}
	noErr(t, s.ClaimHandle(ctx(), c))
	if got := must(s.HandleClaimOf(ctx(), "paypal"))(t); *got != *c {
		t.Fatalf("HandleClaimOf = %+v, want %+v", got, c)
	}
	noErr(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "paypal", Key: "paypal", UserID: "us_1", ClaimedAt: at(2)}))
	wantCode(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "paypa1", Key: "paypal", UserID: "eu_2", ClaimedAt: at(3)}), kurz.EConflict)
	// The holder of a key cannot take a second handle with it either.
	wantCode(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "paypa1", Key: "paypal", UserID: "us_1", ClaimedAt: at(3)}), kurz.EConflict)
	_, err := s.HandleClaimOf(ctx(), "paypa1")
	wantNotFound(t, err, "HandleClaimOf of a refused look-alike")
	noErr(t, s.ReleaseHandle(ctx(), "paypal", "us_1"))
	noErr(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "paypa1", Key: "paypal", UserID: "eu_2", ClaimedAt: at(4)}))

	// Claims without a key (made before keys) get theirs later; a key
	// another claim holds is a conflict and leaves the claim without one.
	for i, h := range []string{"old1", "old2", "oldl"} {
		noErr(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: h, UserID: fmt.Sprintf("sg_%d", i), ClaimedAt: at(5)}))
	}
	handles := func(cs []*kurz.HandleClaim) (out []string) {
		for _, c := range cs {
			out = append(out, c.Handle)
		}
		return out
	}
	if got := handles(must(s.HandleClaimsWithoutKey(ctx(), "", 10))(t)); fmt.Sprint(got) != "[old1 old2 oldl]" {
		t.Fatalf("HandleClaimsWithoutKey = %v", got)
	}
	if got := handles(must(s.HandleClaimsWithoutKey(ctx(), "old1", 1))(t)); fmt.Sprint(got) != "[old2]" {
		t.Fatalf("HandleClaimsWithoutKey after old1, 1 = %v", got)
	}
	noErr(t, s.SetHandleKey(ctx(), "old1", "oldl"))
	wantCode(t, s.SetHandleKey(ctx(), "oldl", "oldl"), kurz.EConflict)
	noErr(t, s.SetHandleKey(ctx(), "old2", "old2"))
	wantNotFound(t, s.SetHandleKey(ctx(), "nobody", "x"), "SetHandleKey of a missing claim")
	if got := handles(must(s.HandleClaimsWithoutKey(ctx(), "", 10))(t)); fmt.Sprint(got) != "[oldl]" {
		t.Fatalf("HandleClaimsWithoutKey after backfill = %v", got)
	}
	if got := must(s.HandleClaimOf(ctx(), "old1"))(t); got.Key != "oldl" || got.UserID != "sg_0" {
		t.Fatalf("HandleClaimOf(old1) = %+v", got)
	}
	// A new look-alike of a backfilled handle is refused.
	wantCode(t, s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: "o1d1", Key: "oldl", UserID: "eu_9", ClaimedAt: at(6)}), kurz.EConflict)
}

// testHandleKeyRace: of many people claiming look-alikes of one handle at
// once, exactly one gets a handle.
func testHandleKeyRace(t *testing.T, s kurz.Store) {
	for round := range 5 {
		const n = 12
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.ClaimHandle(ctx(), &kurz.HandleClaim{Handle: fmt.Sprintf("r%dh%d", round, i), Key: fmt.Sprintf("key%d", round),
					UserID: fmt.Sprintf("eu_%d", i), ClaimedAt: at(round)})
			}()
		}
		wg.Wait()
		close(errs)
		won := 0
		for err := range errs {
			switch {
			case err == nil:
				won++
			case kurz.ErrorCode(err) != kurz.EConflict:
				t.Fatalf("round %d: a losing claim failed with %v, want a conflict", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d look-alike claims won, want 1", round, won)
		}
	}
}

package storetest

import (
	"bytes"
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
	{"PersonKeys", testPersonKeys},
	{"Sessions", testSessions},
	{"HandleClaims", testHandleClaims},
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
	upd.DisplayName, upd.Bio, upd.Private = "Erin E", "new bio", false
	// Fields UpdateProfile does not write: the handle, the creation time
	// and the counters (changed only by AddCounter).
	upd.Handle, upd.CreatedAt, upd.Followers, upd.Following = "other", at(99), 100, 100
	noErr(t, s.UpdateProfile(ctx(), &upd))
	got := must(s.ProfileByID(ctx(), p.ID))(t)
	want := *p
	want.DisplayName, want.Bio, want.Private, want.Followers = "Erin E", "new bio", false, 5
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

// Package storetest is the one contract suite every kurz.Store adapter must
// pass, so SQLite and PostgreSQL cannot disagree.
//
// It is organised one file per concern: accounts.go (profiles, accounts,
// person keys, sessions, handles), videos.go, social.go (counters, likes,
// follows, views, comments), log.go (public log, replicas, log positions),
// deltas.go, safety.go (notices, queue, reports, decisions, notifier
// standing, blocked media), privacy.go (erasures, DeletePerson, sessions,
// notifications, exports, audit, roles, table counts), quota.go (work
// counts, storage used), tx.go (transactions, concurrency, Ping, Close)
// and text.go (what text columns hold). Every test gets a fresh store.
//
// Run also checks that the suite called every method of kurz.Store, so a
// method added to the interface fails the suite until it is tested.
package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kurz"
)

// test is one contract test; it gets a fresh, migrated, empty store.
type test struct {
	name string
	fn   func(*testing.T, kurz.Store)
}

// suite is every contract test, named by concern.
func suite() []test {
	var out []test
	for _, group := range []struct {
		concern string
		tests   []test
	}{
		{"Accounts", accountTests},
		{"Videos", videoTests},
		{"Social", socialTests},
		{"Log", logTests},
		{"Deltas", deltaTests},
		{"Safety", safetyTests},
		{"Privacy", privacyTests},
		{"Quota", quotaTests},
		{"Tx", txTests},
		{"Text", textTests},
		{"Trust", trustTests},
	} {
		for _, tc := range group.tests {
			out = append(out, test{group.concern + "/" + tc.name, tc.fn})
		}
	}
	return out
}

// Run runs the suite; open returns a fresh, migrated, empty store.
func Run(t *testing.T, open func(t *testing.T) kurz.Store) {
	c := newCalls()
	tests := suite()
	var mu sync.Mutex
	passed := 0
	ok := t.Run("Contract", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				defer func() {
					if !t.Failed() && !t.Skipped() {
						mu.Lock()
						passed++
						mu.Unlock()
					}
				}()
				tc.fn(t, c.wrap(open(t)))
			})
		}
	})
	t.Run("EveryMethodCalled", func(t *testing.T) {
		switch {
		case !ok:
			t.Skip("the contract tests failed; the method check needs them to pass")
		case passed < len(tests):
			t.Skipf("%d of %d contract tests ran (-run, -skip or a skipped test); the method check needs them all", passed, len(tests))
		}
		if m := c.uncalled(); len(m) > 0 {
			t.Fatalf("the suite never calls %d methods of kurz.Store: %s", len(m), strings.Join(m, ", "))
		}
	})
}

func ctx() context.Context { return context.Background() }

// t0 is the suite's fixed clock: times are whole milliseconds, as stores
// keep them.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// at is t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// must checks a call's error: must(s.VideoByID(ctx(), id))(t) is the video,
// or a fatal test error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if kurz.ErrorCode(err) != code {
		t.Fatalf("got error %v (code %s), want code %s", err, kurz.ErrorCode(err), code)
	}
}

// wantNotFound checks that err is kurz.ErrNotFound, which callers test
// with errors.Is.
func wantNotFound(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, kurz.ErrNotFound) || kurz.ErrorCode(err) != kurz.ENotFound {
		t.Fatalf("%s: got %v, want kurz.ErrNotFound", what, err)
	}
}

// wantStrings compares string lists in order; nil and empty are equal.
func wantStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) || (len(want) > 0 && !slices.Equal(got, want)) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// wantSet compares string lists in any order.
func wantSet(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	wantStrings(t, what+" (any order)", g, w...)
}

func mustProfile(t *testing.T, q kurz.Queries, handle string) *kurz.Profile {
	t.Helper()
	p := &kurz.Profile{ID: kurz.NewID("eu"), Handle: handle, DisplayName: "D " + handle, Bio: "b", Private: true, CreatedAt: t0}
	if err := q.CreateProfile(ctx(), p); err != nil {
		t.Fatalf("CreateProfile: %v", err)
	}
	return p
}

// mustVideo creates a video of owner in a status and visibility, created
// and updated at created.
func mustVideo(t *testing.T, q kurz.Queries, ownerID, status, visibility string, created time.Time) *kurz.Video {
	t.Helper()
	v := &kurz.Video{ID: kurz.NewID("eu"), OwnerID: ownerID, Status: status, Visibility: visibility, CreatedAt: created, UpdatedAt: created}
	if err := q.CreateVideo(ctx(), v); err != nil {
		t.Fatalf("CreateVideo: %v", err)
	}
	return v
}

func videoIDs(vs []*kurz.Video) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

package safety_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"kurz"
	"kurz/cell"
	"kurz/internal/pgtest"
	"kurz/postgres"
	"kurz/safety"
	"kurz/sqlite"
)

// clock is a settable clock for the claim tests: claims expire by it, not
// by the wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// bench is a region's Trust & Safety service on a real store, with staff
// and one queue item about an account.
type bench struct {
	svc                  *safety.Service
	clock                *clock
	modA, modB, admin, x *kurz.Profile
	item                 string
}

// eachStore runs fn on SQLite and on PostgreSQL.
func eachStore(t *testing.T, fn func(t *testing.T, b *bench)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			var store cell.Store
			var err error
			if name == "sqlite" {
				store, err = sqlite.Open(ctx, t.TempDir()+"/kurz.db")
			} else {
				store, err = postgres.Open(ctx, pgtest.NewDatabase(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			clk := &clock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
			c := &cell.Cell{Region: "eu", Store: store, Locator: []byte("a locator key of the deployment.."), Clock: clk.Now}
			c.Init()
			b := &bench{svc: safety.New(c, safety.SafetyConfig{ClaimTTL: 15 * time.Minute}), clock: clk}
			for _, p := range []**kurz.Profile{&b.modA, &b.modB, &b.admin, &b.x} {
				// Signed in with a second factor, as staff actions need.
				*p = &kurz.Profile{ID: kurz.NewID("eu"), Handle: "h" + strings.ToLower(kurz.NewID("eu")[20:]), CreatedAt: clk.Now(), SecondFactor: true}
				if err := store.CreateProfile(ctx, *p); err != nil {
					t.Fatal(err)
				}
			}
			for p, role := range map[*kurz.Profile]string{b.modA: cell.RoleModerator, b.modB: cell.RoleModerator, b.admin: cell.RoleAdmin} {
				if err := c.Staff.Grant(ctx, "test", p.ID, role); err != nil {
					t.Fatal(err)
				}
			}
			// An item about x's account, as a notice would open it.
			b.item = kurz.NewID("eu")
			if err := store.PutItem(ctx, &kurz.QueueItem{ID: b.item, Kind: "notice", TargetType: "account", TargetID: b.x.ID, OwnerID: b.x.ID,
				OwnerHash: b.svc.PartyHash(b.x.ID), OwnerRegion: "eu", Category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", Reports: 1,
				Status: "open", Explanation: "x", CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
				t.Fatal(err)
			}
			fn(t, b)
		})
	}
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if kurz.ErrorCode(err) != code {
		t.Fatalf("%s: got %v, want code %s", what, err, code)
	}
}

func (b *bench) queued(t *testing.T, staff *kurz.Profile) *safety.Item {
	t.Helper()
	page, err := b.svc.Queue(context.Background(), staff, "", "")
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("queue: %v, %+v", err, page)
	}
	return page.Items[0]
}

// TestClaimExpiresAndReleases: a claim keeps others off for the claim
// time, shown in the queue; then anyone may take the item and the first
// claimer may no longer decide; the claimer or an admin may release it,
// nobody else.
func TestClaimExpiresAndReleases(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bench) {
		ctx := context.Background()
		start := b.clock.Now()
		if _, err := b.svc.Claim(ctx, b.modA, b.item); err != nil {
			t.Fatal(err)
		}
		it := b.queued(t, b.modB)
		if it.Status != "claimed" || it.ClaimedBy != b.modA.ID || it.ClaimExpiresAt == nil || !it.ClaimExpiresAt.Equal(start.Add(15*time.Minute)) {
			t.Fatalf("claimed item in the queue: %+v", it)
		}
		b.clock.add(15*time.Minute - time.Millisecond)
		_, err := b.svc.Claim(ctx, b.modB, b.item)
		wantCode(t, "a claim of a claimed item", err, kurz.EConflict)
		b.clock.add(time.Millisecond)
		if it := b.queued(t, b.modB); it.Status != "open" || it.ClaimExpiresAt != nil {
			t.Fatalf("item after its claim expired: %+v", it)
		}
		_, err = b.svc.Decide(ctx, b.modA, b.item, safety.DecisionInput{Action: "no_action", Ground: "terms", Explanation: "fine"})
		wantCode(t, "a decision on an expired claim", err, kurz.EConflict)
		if _, err := b.svc.Claim(ctx, b.modB, b.item); err != nil {
			t.Fatalf("a claim after the first expired: %v", err)
		}
		_, err = b.svc.Decide(ctx, b.modA, b.item, safety.DecisionInput{Action: "no_action", Ground: "terms", Explanation: "fine"})
		wantCode(t, "a decision by the moderator whose claim was taken over", err, kurz.EConflict)

		// Release: not by another moderator; by the claimer; by an admin.
		_, err = b.svc.Release(ctx, b.modA, b.item)
		wantCode(t, "a release by another moderator", err, kurz.EForbidden)
		if it, err := b.svc.Release(ctx, b.modB, b.item); err != nil || it.Status != "open" || it.ClaimedBy != "" {
			t.Fatalf("release by the claimer: %+v, %v", it, err)
		}
		_, err = b.svc.Release(ctx, b.modB, b.item)
		wantCode(t, "a release of an open item", err, kurz.EConflict)
		if _, err := b.svc.Claim(ctx, b.modA, b.item); err != nil {
			t.Fatal(err)
		}
		if it, err := b.svc.Release(ctx, b.admin, b.item); err != nil || it.Status != "open" {
			t.Fatalf("release by an admin: %+v, %v", it, err)
		}
		// A release takes effect at once: another moderator claims without waiting.
		if _, err := b.svc.Claim(ctx, b.modB, b.item); err != nil {
			t.Fatalf("a claim right after a release: %v", err)
		}
		_, err = b.svc.Release(ctx, b.x, b.item)
		wantCode(t, "a release by someone without a role", err, kurz.EForbidden)
	})
}

// TestClaimRefusedWhenInvolved: the person an item is about may not claim
// it, even as staff; the queue says why, and another moderator takes it.
func TestClaimRefusedWhenInvolved(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, b *bench) {
		ctx := context.Background()
		if err := b.svc.Staff.Grant(ctx, "test", b.x.ID, cell.RoleModerator); err != nil {
			t.Fatal(err)
		}
		if it := b.queued(t, b.x); it.ConflictOfInterest == "" || it.Status != "open" {
			t.Fatalf("the queue of the person it is about: %+v", it)
		}
		if it := b.queued(t, b.modA); it.ConflictOfInterest != "" {
			t.Fatalf("the queue of another moderator: %+v", it)
		}
		_, err := b.svc.Claim(ctx, b.x, b.item)
		wantCode(t, "a claim of an item about oneself", err, kurz.EForbidden)
		if _, err := b.svc.Claim(ctx, b.modA, b.item); err != nil {
			t.Fatalf("another moderator's claim: %v", err)
		}
	})
}

package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"kurz"
)

// Safety: notices, the moderation queue and its reports, decisions,
// notifiers' standing and blocked media.
var safetyTests = []test{
	{"Notices", testNotices},
	{"QueueItems", testQueueItems},
	{"OpenItems", testOpenItems},
	{"ItemReports", testItemReports},
	{"Decisions", testDecisions},
	{"DecisionPages", testDecisionPages},
	{"Appeals", testAppeals},
	{"RoleHolders", testRoleHolders},
	{"LockItem", testLockItem},
	{"LockQueueTarget", testLockQueueTarget},
	{"LockDecision", testLockDecision},
	{"ReporterStanding", testReporterStanding},
	{"BlockedMedia", testBlockedMedia},
}

func testNotices(t *testing.T, s kurz.Store) {
	n := &kurz.Notice{ID: "eu_n1", ReporterID: "eu_r", TargetRegion: "us", TargetType: "video", TargetID: "us_v",
		Category: "illegal_hate", Explanation: "because ✓", NotifierSealed: []byte{0, 1, 0}, ItemID: "us_i", CreatedAt: at(1)}
	noErr(t, s.CreateNotice(ctx(), n))
	anon := &kurz.Notice{ID: "eu_n2", TargetRegion: "eu", TargetType: "comment", TargetID: "eu_c", Category: "spam", CreatedAt: at(2)}
	noErr(t, s.CreateNotice(ctx(), anon))
	if got := must(s.NoticeByID(ctx(), n.ID))(t); !sameNotice(got, n) {
		t.Fatalf("NoticeByID = %+v, want %+v", got, n)
	}
	if got := must(s.NoticeByID(ctx(), anon.ID))(t); !sameNotice(got, anon) || got.NotifierSealed != nil {
		t.Fatalf("anonymous notice = %+v, want %+v", got, anon)
	}
	_, err := s.NoticeByID(ctx(), "eu_n3")
	wantNotFound(t, err, "NoticeByID of a missing notice")
	wantCode(t, s.CreateNotice(ctx(), n), kurz.EConflict)

	// A person's notices, oldest first.
	for _, x := range []struct {
		id, reporter string
		at           int
	}{{"eu_n5", "eu_r", 5}, {"eu_n0", "eu_r", 0}, {"eu_n4", "eu_q", 4}} {
		noErr(t, s.CreateNotice(ctx(), &kurz.Notice{ID: x.id, ReporterID: x.reporter, TargetRegion: "eu", TargetType: "video",
			TargetID: "eu_v", Category: "spam", CreatedAt: at(x.at)}))
	}
	wantStrings(t, "NoticesBy", must(s.NoticesBy(ctx(), "eu_r"))(t), "eu_n0", "eu_n1", "eu_n5")
	wantStrings(t, "NoticesBy another", must(s.NoticesBy(ctx(), "eu_q"))(t), "eu_n4")
	wantStrings(t, "NoticesBy nobody", must(s.NoticesBy(ctx(), "eu_none"))(t))
}

func sameNotice(a, b *kurz.Notice) bool {
	x, y := *a, *b
	if !bytes.Equal(x.NotifierSealed, y.NotifierSealed) || !x.CreatedAt.Equal(y.CreatedAt) {
		return false
	}
	x.NotifierSealed, y.NotifierSealed, x.CreatedAt = nil, nil, y.CreatedAt
	return reflect.DeepEqual(x, y)
}

func sameItem(a, b *kurz.QueueItem) bool {
	x, y := *a, *b
	if !x.ClaimedAt.Equal(y.ClaimedAt) || !x.CreatedAt.Equal(y.CreatedAt) || !x.UpdatedAt.Equal(y.UpdatedAt) || !bytes.Equal(x.OwnerHash, y.OwnerHash) {
		return false
	}
	x.ClaimedAt, x.CreatedAt, x.UpdatedAt, x.OwnerHash, y.OwnerHash = y.ClaimedAt, y.CreatedAt, y.UpdatedAt, nil, nil
	return reflect.DeepEqual(x, y)
}

func testQueueItems(t *testing.T, s kurz.Store) {
	it := &kurz.QueueItem{ID: "eu_i1", Kind: "notice", TargetType: "video", TargetID: "eu_v", OwnerID: "eu_o", OwnerHash: []byte{0, 7, 0},
		OwnerRegion: "eu", Category: "spam", Reports: 1, Priority: 2, Status: "open", Explanation: "first notice", CreatedAt: at(1), UpdatedAt: at(1)}
	noErr(t, s.PutItem(ctx(), it))
	got := must(s.ItemByID(ctx(), it.ID))(t)
	if !sameItem(got, it) || !got.ClaimedAt.IsZero() {
		t.Fatalf("ItemByID = %+v, want %+v", got, it)
	}
	if got := must(s.OpenItemFor(ctx(), "notice", "eu_v"))(t); got.ID != it.ID {
		t.Fatalf("OpenItemFor = %+v", got)
	}
	_, err := s.OpenItemFor(ctx(), "appeal", "eu_v")
	wantNotFound(t, err, "OpenItemFor of another kind")
	_, err = s.OpenItemFor(ctx(), "notice", "eu_w")
	wantNotFound(t, err, "OpenItemFor of another target")

	// PutItem again updates what moderation changes and keeps what the item
	// is about.
	upd := *it
	upd.Category, upd.Reports, upd.Priority, upd.Status, upd.ClaimedBy, upd.ClaimedAt, upd.UpdatedAt = "illegal", 3, 9, "claimed", "eu_mod", at(5), at(5)
	upd.Kind, upd.TargetType, upd.TargetID, upd.OwnerID, upd.AppealOf, upd.Explanation, upd.CreatedAt = "appeal", "comment", "eu_x", "eu_y", "eu_d", "changed", at(4)
	upd.OwnerHash, upd.OwnerRegion = []byte{1}, "us"
	noErr(t, s.PutItem(ctx(), &upd))
	want := upd
	want.Kind, want.TargetType, want.TargetID, want.OwnerID, want.AppealOf, want.Explanation, want.CreatedAt =
		it.Kind, it.TargetType, it.TargetID, it.OwnerID, it.AppealOf, it.Explanation, it.CreatedAt
	want.OwnerHash, want.OwnerRegion = it.OwnerHash, it.OwnerRegion
	if got := must(s.ItemByID(ctx(), it.ID))(t); !sameItem(got, &want) {
		t.Fatalf("after a second PutItem: %+v, want %+v", got, &want)
	}
	// A claimed item is still open.
	if got := must(s.OpenItemFor(ctx(), "notice", "eu_v"))(t); got.Status != "claimed" || got.ClaimedBy != "eu_mod" {
		t.Fatalf("OpenItemFor a claimed item = %+v", got)
	}
	want.Status, want.ClaimedBy, want.ClaimedAt = "decided", "", time.Time{}
	noErr(t, s.PutItem(ctx(), &want))
	if got := must(s.ItemByID(ctx(), it.ID))(t); got.Status != "decided" || !got.ClaimedAt.IsZero() {
		t.Fatalf("decided item = %+v", got)
	}
	_, err = s.OpenItemFor(ctx(), "notice", "eu_v")
	wantNotFound(t, err, "OpenItemFor of a decided item")
	// A new notice about the target opens a new item; an item without an
	// affected person keeps no hash.
	again := &kurz.QueueItem{ID: "eu_i2", Kind: "notice", TargetType: "video", TargetID: "eu_v", Category: "spam",
		Reports: 1, Status: "open", CreatedAt: at(9), UpdatedAt: at(9)}
	noErr(t, s.PutItem(ctx(), again))
	if got := must(s.OpenItemFor(ctx(), "notice", "eu_v"))(t); got.ID != again.ID || !sameItem(got, again) || got.OwnerHash != nil {
		t.Fatalf("OpenItemFor after a new item = %+v", got)
	}
	// A resolved item is closed like a decided one, and keeps its resolution.
	again.Status, again.Resolution, again.UpdatedAt = "resolved", "removed_by_author", at(10)
	noErr(t, s.PutItem(ctx(), again))
	if got := must(s.ItemByID(ctx(), again.ID))(t); !sameItem(got, again) {
		t.Fatalf("resolved item = %+v, want %+v", got, again)
	}
	_, err = s.OpenItemFor(ctx(), "notice", "eu_v")
	wantNotFound(t, err, "OpenItemFor of a resolved item")
	_, err = s.ItemByID(ctx(), "eu_i3")
	wantNotFound(t, err, "ItemByID of a missing item")
}

func testOpenItems(t *testing.T, s kurz.Store) {
	put := func(id, status string, priority, created int) {
		noErr(t, s.PutItem(ctx(), &kurz.QueueItem{ID: id, Kind: "notice", TargetType: "video", TargetID: "t_" + id, OwnerID: "eu_o",
			Category: "spam", Reports: 1, Priority: priority, Status: status, CreatedAt: at(created), UpdatedAt: at(created)}))
	}
	put("low_old", "open", 1, 1)
	put("high_new", "open", 5, 9)
	put("low_new", "claimed", 1, 8)
	put("high_old", "open", 5, 2)
	put("decided", "decided", 9, 0)
	put("resolved", "resolved", 9, 0)
	put("mid", "open", 3, 5)
	put("mid_b", "open", 3, 5) // same priority and time: by ID
	ids := func(items []*kurz.QueueItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	// Highest priority first, then oldest, then by ID; decided and resolved
	// items are not listed.
	all := []string{"high_old", "high_new", "mid", "mid_b", "low_old", "low_new"}
	wantStrings(t, "OpenItems", ids(must(s.OpenItems(ctx(), kurz.ItemCursor{}, 10))(t)), all...)
	wantStrings(t, "OpenItems(3)", ids(must(s.OpenItems(ctx(), kurz.ItemCursor{}, 3))(t)), all[:3]...)
	// Paging from each item's position gives the rest, whatever the page size.
	for size := 1; size <= 4; size++ {
		var got []string
		after := kurz.ItemCursor{}
		for {
			page := must(s.OpenItems(ctx(), after, size))(t)
			got = append(got, ids(page)...)
			if len(page) < size {
				break
			}
			last := page[len(page)-1]
			after = kurz.ItemCursor{Priority: last.Priority, CreatedAt: last.CreatedAt, ID: last.ID}
		}
		wantStrings(t, fmt.Sprintf("OpenItems in pages of %d", size), got, all...)
	}
}

func testItemReports(t *testing.T, s kurz.Store) {
	r1, r2 := []byte{1, 0, 1}, []byte{2}
	if at, err := s.LastReportAt(ctx(), r1); err != nil || !at.IsZero() {
		t.Fatalf("LastReportAt of a new notifier = %v, %v; want zero, nil", at, err)
	}
	for _, c := range []struct {
		item   string
		hash   []byte
		notice string
		at     int
		want   bool
	}{
		{"eu_i1", r1, "eu_n1", 3, true},
		{"eu_i1", r2, "us_n2", 1, true},
		{"eu_i1", r1, "eu_n3", 5, false}, // one notifier counts once per item
		{"eu_i2", r1, "eu_n4", 4, true},
	} {
		region := kurz.Region(c.notice[:2])
		if added := must(s.AddItemReport(ctx(), c.item, c.hash, c.notice, region, at(c.at)))(t); added != c.want {
			t.Fatalf("AddItemReport(%s, %v, %s) = %v, want %v", c.item, c.hash, c.notice, added, c.want)
		}
	}
	got := must(s.ItemReports(ctx(), "eu_i1"))(t)
	want := []kurz.ItemReport{
		{NoticeID: "us_n2", NoticeRegion: "us", ReporterHash: r2, CreatedAt: at(1)},
		{NoticeID: "eu_n1", NoticeRegion: "eu", ReporterHash: r1, CreatedAt: at(3)},
	}
	if len(got) != len(want) {
		t.Fatalf("ItemReports = %+v, want %+v", got, want)
	}
	for i := range got {
		if got[i].NoticeID != want[i].NoticeID || got[i].NoticeRegion != want[i].NoticeRegion ||
			!bytes.Equal(got[i].ReporterHash, want[i].ReporterHash) || !got[i].CreatedAt.Equal(want[i].CreatedAt) {
			t.Fatalf("ItemReports[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := must(s.ItemReports(ctx(), "eu_i9"))(t); len(got) != 0 {
		t.Fatalf("ItemReports of an item without reports = %+v", got)
	}
	// The latest report of the notifier on any item; the refused repeat
	// does not count.
	if last := must(s.LastReportAt(ctx(), r1))(t); !last.Equal(at(4)) {
		t.Fatalf("LastReportAt = %v, want %v", last, at(4))
	}
	if last := must(s.LastReportAt(ctx(), r2))(t); !last.Equal(at(1)) {
		t.Fatalf("LastReportAt(r2) = %v, want %v", last, at(1))
	}
}

func sameDecision(a, b *kurz.Decision) bool {
	x, y := *a, *b
	if !x.EndDate.Equal(y.EndDate) || !x.CreatedAt.Equal(y.CreatedAt) || !bytes.Equal(x.OwnerHash, y.OwnerHash) {
		return false
	}
	x.EndDate, x.CreatedAt, x.OwnerHash, y.OwnerHash = y.EndDate, y.CreatedAt, nil, nil
	return reflect.DeepEqual(x, y)
}

func testDecisions(t *testing.T, s kurz.Store) {
	d := &kurz.Decision{ID: "eu_d1", ItemID: "eu_i1", TargetType: "video", TargetID: "eu_v", OwnerID: "eu_o", ModeratorID: "eu_m",
		Action: "suspend_visibility", Ground: "illegal", LegalGround: "§ 130", Category: "illegal_hate", Explanation: "why",
		Facts: "facts", AutomatedDetection: true, AutomatedDecision: false, TerritorialScope: "EU", EndDate: at(1000),
		AppealOf: "", Appealed: false, CreatedAt: at(10)}
	noErr(t, s.PutDecision(ctx(), d))
	if got := must(s.DecisionByID(ctx(), d.ID))(t); !sameDecision(got, d) {
		t.Fatalf("DecisionByID = %+v, want %+v", got, d)
	}
	appeal := &kurz.Decision{ID: "eu_d2", ItemID: "eu_i2", TargetType: "video", TargetID: "eu_v", OwnerID: "eu_o", ModeratorID: "eu_m2",
		Action: "none", Ground: "terms", Category: "illegal_hate", AutomatedDecision: true, AppealOf: d.ID, CreatedAt: at(20)}
	noErr(t, s.PutDecision(ctx(), appeal))
	if got := must(s.DecisionByID(ctx(), appeal.ID))(t); !sameDecision(got, appeal) || !got.EndDate.IsZero() {
		t.Fatalf("DecisionByID(appeal) = %+v, want %+v", got, appeal)
	}
	other := &kurz.Decision{ID: "eu_d3", ItemID: "eu_i3", TargetType: "comment", TargetID: "eu_c", OwnerID: "eu_p", Action: "remove",
		Ground: "terms", CreatedAt: at(15)}
	noErr(t, s.PutDecision(ctx(), other))

	// PutDecision again records only that the decision was appealed: a
	// statement of reasons does not change afterwards.
	upd := *d
	upd.Appealed, upd.Action, upd.Explanation, upd.CreatedAt = true, "remove", "rewritten", at(99)
	noErr(t, s.PutDecision(ctx(), &upd))
	want := *d
	want.Appealed = true
	if got := must(s.DecisionByID(ctx(), d.ID))(t); !sameDecision(got, &want) {
		t.Fatalf("after marking appealed: %+v, want %+v", got, &want)
	}

	ids := func(ds []*kurz.Decision) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.ID)
		}
		return out
	}
	wantStrings(t, "DecisionsAbout", ids(must(s.DecisionsAbout(ctx(), "eu_v"))(t)), "eu_d1", "eu_d2")
	wantStrings(t, "DecisionsAbout nothing", ids(must(s.DecisionsAbout(ctx(), "eu_none"))(t)))
	// [from, to), oldest first.
	start := kurz.DecisionCursor{}
	wantStrings(t, "Decisions[10, 20)", ids(must(s.Decisions(ctx(), at(10), at(20), start, 10))(t)), "eu_d1", "eu_d3")
	wantStrings(t, "Decisions[11, 21)", ids(must(s.Decisions(ctx(), at(11), at(21), start, 10))(t)), "eu_d3", "eu_d2")
	wantStrings(t, "Decisions[0, 100)", ids(must(s.Decisions(ctx(), at(0), at(100), start, 10))(t)), "eu_d1", "eu_d3", "eu_d2")
	// Who a decision affects: by hash and home region (a comment's author
	// elsewhere), with no ID.
	foreign := &kurz.Decision{ID: "eu_d4", ItemID: "eu_i4", TargetType: "comment", TargetID: "eu_c2", OwnerHash: []byte{3, 0, 3},
		OwnerRegion: "us", Action: "remove", Ground: "terms", CreatedAt: at(30)}
	noErr(t, s.PutDecision(ctx(), foreign))
	if got := must(s.DecisionByID(ctx(), foreign.ID))(t); !sameDecision(got, foreign) || got.OwnerID != "" {
		t.Fatalf("DecisionByID(foreign owner) = %+v, want %+v", got, foreign)
	}
	_, err := s.DecisionByID(ctx(), "eu_d9")
	wantNotFound(t, err, "DecisionByID of a missing decision")
}

func testReporterStanding(t *testing.T, s kurz.Store) {
	h := []byte{9, 0, 9}
	if n, until, err := s.ReporterStanding(ctx(), h); err != nil || n != 0 || !until.IsZero() {
		t.Fatalf("ReporterStanding of a new notifier = %d, %v, %v; want 0, zero, nil", n, until, err)
	}
	if n := must(s.AddUnfounded(ctx(), h, time.Time{}, at(1)))(t); n != 1 {
		t.Fatalf("AddUnfounded = %d, want 1", n)
	}
	if n := must(s.AddUnfounded(ctx(), h, at(100), at(2)))(t); n != 2 {
		t.Fatalf("AddUnfounded = %d, want 2", n)
	}
	// A suspension is only ever extended, never shortened or lifted by a
	// later count.
	for _, c := range []struct {
		until time.Time
		want  time.Time
	}{{at(50), at(100)}, {time.Time{}, at(100)}, {at(200), at(200)}} {
		must(s.AddUnfounded(ctx(), h, c.until, at(3)))(t)
		if _, until, err := s.ReporterStanding(ctx(), h); err != nil || !until.Equal(c.want) {
			t.Fatalf("suspension after AddUnfounded(%v) = %v, %v; want %v", c.until, until, err, c.want)
		}
	}
	n, _, err := s.ReporterStanding(ctx(), h)
	if err != nil || n != 5 {
		t.Fatalf("ReporterStanding = %d, %v; want 5", n, err)
	}
	if n, until, _ := s.ReporterStanding(ctx(), []byte{9, 0}); n != 0 || !until.IsZero() {
		t.Fatalf("another notifier's standing = %d, %v", n, until)
	}

	// SuspendReporter only extends, and only a counted notifier.
	noErr(t, s.SuspendReporter(ctx(), h, at(300)))
	noErr(t, s.SuspendReporter(ctx(), h, at(250)))
	if n, until, _ := s.ReporterStanding(ctx(), h); n != 5 || !until.Equal(at(300)) {
		t.Fatalf("after SuspendReporter: %d, %v; want 5, %v", n, until, at(300))
	}
	wantNotFound(t, s.SuspendReporter(ctx(), []byte{9, 0}, at(300)), "SuspendReporter of a notifier never counted")

	// Counted at once, each AddUnfounded returns its own count: every
	// count from 1 to n comes back once, so a threshold is never missed.
	other := []byte{8, 8}
	counts := make([]int, 20)
	for _, err := range hammer(t, s, len(counts), func(q kurz.Queries, i int) error {
		var err error
		counts[i], err = q.AddUnfounded(ctx(), other, time.Time{}, at(i))
		return err
	}) {
		noErr(t, err)
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("concurrent AddUnfounded counts = %v", counts)
		}
	}
}

func testBlockedMedia(t *testing.T, s kurz.Store) {
	if got := must(s.BlockedMedia(ctx()))(t); len(got) != 0 {
		t.Fatalf("BlockedMedia of a new store = %v", got)
	}
	noErr(t, s.AddBlockedMedia(ctx(), "ff00", "csam", "eu_admin", at(1)))
	noErr(t, s.AddBlockedMedia(ctx(), "00aa", "terror", "eu_admin", at(2)))
	// Adding a known hash again is not an error, and it is listed once.
	noErr(t, s.AddBlockedMedia(ctx(), "ff00", "again", "eu_other", at(3)))
	wantSet(t, "BlockedMedia", must(s.BlockedMedia(ctx()))(t), "ff00", "00aa")
	// A reversed decision lifts its own blocks only; lifting twice is fine.
	noErr(t, s.UnblockMedia(ctx(), "terror"))
	noErr(t, s.UnblockMedia(ctx(), "terror"))
	wantSet(t, "BlockedMedia", must(s.BlockedMedia(ctx()))(t), "ff00")
}

// testDecisionPages: the decisions of a range in pages, from any position,
// in (time, ID) order, with ties at one millisecond split across pages.
func testDecisionPages(t *testing.T, s kurz.Store) {
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("eu_p%d", i)
		noErr(t, s.PutDecision(ctx(), &kurz.Decision{ID: id, TargetType: "video", TargetID: "eu_v", Action: "remove", Ground: "terms",
			CreatedAt: at(10 + i/3)}))
		want = append(want, id)
	}
	noErr(t, s.PutDecision(ctx(), &kurz.Decision{ID: "eu_late", Action: "remove", CreatedAt: at(99)}))
	for size := 1; size <= 4; size++ {
		var got []string
		after := kurz.DecisionCursor{}
		for {
			page := must(s.Decisions(ctx(), at(0), at(50), after, size))(t)
			for _, d := range page {
				got = append(got, d.ID)
			}
			if len(page) < size {
				break
			}
			after = kurz.DecisionCursor{CreatedAt: page[len(page)-1].CreatedAt, ID: page[len(page)-1].ID}
		}
		wantStrings(t, fmt.Sprintf("Decisions in pages of %d", size), got, want...)
	}
}

func testAppeals(t *testing.T, s kurz.Store) {
	a := &kurz.Appeal{DecisionID: "eu_d1", PartyHash: []byte{1, 2, 3}, Party: "affected", ItemID: "eu_i1", CreatedAt: at(1)}
	noErr(t, s.AddAppeal(ctx(), a))
	n := &kurz.Appeal{DecisionID: "eu_d1", PartyHash: []byte{4, 5}, Party: "notifier", ItemID: "eu_i2", NoticeID: "n1", NoticeRegion: "sg", CreatedAt: at(2)}
	noErr(t, s.AddAppeal(ctx(), n))
	// One appeal per party and decision; the same party may appeal another
	// decision.
	wantCode(t, s.AddAppeal(ctx(), &kurz.Appeal{DecisionID: "eu_d1", PartyHash: []byte{1, 2, 3}, Party: "affected", ItemID: "eu_i3", CreatedAt: at(3)}), kurz.EConflict)
	noErr(t, s.AddAppeal(ctx(), &kurz.Appeal{DecisionID: "eu_d2", PartyHash: []byte{1, 2, 3}, Party: "affected", ItemID: "eu_i4", CreatedAt: at(4)}))
	for _, want := range []*kurz.Appeal{a, n} {
		got := must(s.AppealByItem(ctx(), want.ItemID))(t)
		g, w := *got, *want
		if !bytes.Equal(g.PartyHash, w.PartyHash) || !g.CreatedAt.Equal(w.CreatedAt) {
			t.Fatalf("AppealByItem = %+v, want %+v", got, want)
		}
		g.PartyHash, w.PartyHash, g.CreatedAt = nil, nil, w.CreatedAt
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("AppealByItem = %+v, want %+v", got, want)
		}
	}
	_, err := s.AppealByItem(ctx(), "eu_i3")
	wantNotFound(t, err, "AppealByItem of the refused appeal")
}

func testRoleHolders(t *testing.T, s kurz.Store) {
	wantStrings(t, "RoleHolders of a new store", must(s.RoleHolders(ctx(), "moderator"))(t))
	noErr(t, s.GrantRole(ctx(), "eu_b", "moderator", "cli", at(1)))
	noErr(t, s.GrantRole(ctx(), "us_a", "moderator", "cli", at(2)))
	noErr(t, s.GrantRole(ctx(), "eu_c", "admin", "cli", at(3)))
	wantStrings(t, "RoleHolders(moderator)", must(s.RoleHolders(ctx(), "moderator"))(t), "eu_b", "us_a")
	wantStrings(t, "RoleHolders(admin)", must(s.RoleHolders(ctx(), "admin"))(t), "eu_c")
}

// hammer runs fn in n transactions at once and returns their errors.
func hammer(t *testing.T, s kurz.Store, n int, fn func(q kurz.Queries, i int) error) []error {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Tx(ctx(), func(q kurz.Queries) error { return fn(q, i) })
		}()
	}
	wg.Wait()
	return errs
}

// testLockItem: read-modify-write of an item under LockItem loses no
// update, however many transactions do it at once.
func testLockItem(t *testing.T, s kurz.Store) {
	_, err := s.LockItem(ctx(), "eu_none")
	wantNotFound(t, err, "LockItem of a missing item")
	it := &kurz.QueueItem{ID: "eu_i1", Kind: "notice", TargetType: "video", TargetID: "eu_v", Category: "spam", Status: "open",
		CreatedAt: at(1), UpdatedAt: at(1)}
	noErr(t, s.PutItem(ctx(), it))
	const n = 20
	for i, err := range hammer(t, s, n, func(q kurz.Queries, i int) error {
		got, err := q.LockItem(ctx(), it.ID)
		if err != nil {
			return err
		}
		got.Reports++
		return q.PutItem(ctx(), got)
	}) {
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	if got := must(s.ItemByID(ctx(), it.ID))(t); got.Reports != n {
		t.Fatalf("after %d locked increments Reports = %d", n, got.Reports)
	}
	// The lock reads what the item is: a claim check under it sees one
	// claimer win.
	winners := 0
	var mu sync.Mutex
	for _, err := range hammer(t, s, n, func(q kurz.Queries, i int) error {
		got, err := q.LockItem(ctx(), it.ID)
		if err != nil || got.Status != "open" {
			return err
		}
		got.Status, got.ClaimedBy, got.ClaimedAt = "claimed", fmt.Sprint("eu_m", i), at(5)
		mu.Lock()
		winners++
		mu.Unlock()
		return q.PutItem(ctx(), got)
	}) {
		noErr(t, err)
	}
	if winners != 1 {
		t.Fatalf("%d transactions claimed one item under its lock", winners)
	}
}

// testLockQueueTarget: concurrent transactions that each lock a target,
// look for its open item and open one if there is none, end with one item
// holding every report.
func testLockQueueTarget(t *testing.T, s kurz.Store) {
	const n = 20
	for i, err := range hammer(t, s, n, func(q kurz.Queries, i int) error {
		if err := q.LockQueueTarget(ctx(), "notice", "eu_v", at(i)); err != nil {
			return err
		}
		it, err := q.OpenItemFor(ctx(), "notice", "eu_v")
		if errors.Is(err, kurz.ErrNotFound) {
			it = &kurz.QueueItem{ID: fmt.Sprint("eu_i", i), Kind: "notice", TargetType: "video", TargetID: "eu_v", Category: "spam",
				Status: "open", CreatedAt: at(i), UpdatedAt: at(i)}
		} else if err != nil {
			return err
		}
		if _, err := q.AddItemReport(ctx(), it.ID, []byte{byte(i)}, fmt.Sprint("n", i), "eu", at(i)); err != nil {
			return err
		}
		it.Reports++
		return q.PutItem(ctx(), it)
	}) {
		if err != nil {
			t.Fatalf("transaction %d: %v", i, err)
		}
	}
	items := must(s.OpenItems(ctx(), kurz.ItemCursor{}, 100))(t)
	if len(items) != 1 || items[0].Reports != n || len(must(s.ItemReports(ctx(), items[0].ID))(t)) != n {
		t.Fatalf("after %d concurrent notices: %d items, first %+v", n, len(items), items[0])
	}
}

// testLockDecision: of concurrent appeals of one decision by one party,
// exactly one is recorded; LockDecision reads the decision.
func testLockDecision(t *testing.T, s kurz.Store) {
	_, err := s.LockDecision(ctx(), "eu_none")
	wantNotFound(t, err, "LockDecision of a missing decision")
	d := &kurz.Decision{ID: "eu_d1", ItemID: "eu_i1", TargetType: "video", TargetID: "eu_v", OwnerHash: []byte{1}, OwnerRegion: "eu",
		Action: "remove", Ground: "terms", CreatedAt: at(1)}
	noErr(t, s.PutDecision(ctx(), d))
	const n = 20
	ok, conflicts := 0, 0
	for _, err := range hammer(t, s, n, func(q kurz.Queries, i int) error {
		got, err := q.LockDecision(ctx(), d.ID)
		if err != nil {
			return err
		}
		if !sameDecision(got, d) && !got.Appealed {
			return fmt.Errorf("LockDecision = %+v", got)
		}
		if err := q.AddAppeal(ctx(), &kurz.Appeal{DecisionID: d.ID, PartyHash: []byte{9}, Party: "affected", ItemID: fmt.Sprint("eu_a", i), CreatedAt: at(i)}); err != nil {
			return err
		}
		got.Appealed = true
		return q.PutDecision(ctx(), got)
	}) {
		switch {
		case err == nil:
			ok++
		case kurz.ErrorCode(err) == kurz.EConflict:
			conflicts++
		default:
			t.Fatalf("concurrent appeal: %v", err)
		}
	}
	if ok != 1 || conflicts != n-1 {
		t.Fatalf("%d concurrent appeals by one party: %d recorded, %d conflicts", n, ok, conflicts)
	}
	if got := must(s.DecisionByID(ctx(), d.ID))(t); !got.Appealed {
		t.Fatal("the recorded appeal did not mark the decision appealed")
	}
}

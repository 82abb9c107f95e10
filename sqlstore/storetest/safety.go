package storetest

import (
	"bytes"
	"reflect"
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
	if !x.ClaimedAt.Equal(y.ClaimedAt) || !x.CreatedAt.Equal(y.CreatedAt) || !x.UpdatedAt.Equal(y.UpdatedAt) {
		return false
	}
	x.ClaimedAt, x.CreatedAt, x.UpdatedAt = y.ClaimedAt, y.CreatedAt, y.UpdatedAt
	return x == y
}

func testQueueItems(t *testing.T, s kurz.Store) {
	it := &kurz.QueueItem{ID: "eu_i1", Kind: "notice", TargetType: "video", TargetID: "eu_v", OwnerID: "eu_o", Category: "spam",
		Reports: 1, Priority: 2, Status: "open", Explanation: "first notice", CreatedAt: at(1), UpdatedAt: at(1)}
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
	noErr(t, s.PutItem(ctx(), &upd))
	want := upd
	want.Kind, want.TargetType, want.TargetID, want.OwnerID, want.AppealOf, want.Explanation, want.CreatedAt =
		it.Kind, it.TargetType, it.TargetID, it.OwnerID, it.AppealOf, it.Explanation, it.CreatedAt
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
	// A new notice about the target opens a new item.
	again := &kurz.QueueItem{ID: "eu_i2", Kind: "notice", TargetType: "video", TargetID: "eu_v", OwnerID: "eu_o", Category: "spam",
		Reports: 1, Status: "open", CreatedAt: at(9), UpdatedAt: at(9)}
	noErr(t, s.PutItem(ctx(), again))
	if got := must(s.OpenItemFor(ctx(), "notice", "eu_v"))(t); got.ID != again.ID {
		t.Fatalf("OpenItemFor after a new item = %+v", got)
	}
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
	put("mid", "open", 3, 5)
	ids := func(items []*kurz.QueueItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	// Highest priority first, then oldest; decided items are not listed.
	wantStrings(t, "OpenItems", ids(must(s.OpenItems(ctx(), 10))(t)), "high_old", "high_new", "mid", "low_old", "low_new")
	wantStrings(t, "OpenItems(3)", ids(must(s.OpenItems(ctx(), 3))(t)), "high_old", "high_new", "mid")
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
	if !x.EndDate.Equal(y.EndDate) || !x.CreatedAt.Equal(y.CreatedAt) {
		return false
	}
	x.EndDate, x.CreatedAt = y.EndDate, y.CreatedAt
	return x == y
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
	wantStrings(t, "Decisions[10, 20)", ids(must(s.Decisions(ctx(), at(10), at(20)))(t)), "eu_d1", "eu_d3")
	wantStrings(t, "Decisions[11, 21)", ids(must(s.Decisions(ctx(), at(11), at(21)))(t)), "eu_d3", "eu_d2")
	wantStrings(t, "Decisions[0, 100)", ids(must(s.Decisions(ctx(), at(0), at(100)))(t)), "eu_d1", "eu_d3", "eu_d2")
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
}

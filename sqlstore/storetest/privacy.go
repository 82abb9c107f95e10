package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"kurz"
)

// Privacy: erasures and DeletePerson, a person's sessions, comments,
// notifications and exports, the access audit, staff roles and table
// counts.
var privacyTests = []test{
	{"Erasures", testErasures},
	{"DeletePerson", testDeletePerson},
	{"SessionsOf", testSessionsOf},
	{"ForgetSessionIPs", testForgetSessionIPs},
	{"CommentsByAuthor", testCommentsByAuthor},
	{"Notifications", testNotifications},
	{"Exports", testExports},
	{"Audit", testAudit},
	{"Roles", testRoles},
	{"TableCounts", testTableCounts},
}

func testErasures(t *testing.T, s kurz.Store) {
	a := mustProfile(t, s, "era")
	b := mustProfile(t, s, "erb")
	c := mustProfile(t, s, "erc")
	_, err := s.Erasure(ctx(), a.ID)
	wantNotFound(t, err, "Erasure never asked for")
	wantSet(t, "DueErasures of none", must(s.DueErasures(ctx(), at(1000)))(t))

	noErr(t, s.PutErasure(ctx(), a.ID, at(0), at(100)))
	noErr(t, s.PutErasure(ctx(), b.ID, at(0), at(200)))
	noErr(t, s.PutErasure(ctx(), c.ID, at(0), at(50)))
	if runAt := must(s.Erasure(ctx(), a.ID))(t); !runAt.Equal(at(100)) {
		t.Fatalf("Erasure = %v, want %v", runAt, at(100))
	}
	// Asking again moves the date.
	noErr(t, s.PutErasure(ctx(), c.ID, at(60), at(300)))
	if runAt := must(s.Erasure(ctx(), c.ID))(t); !runAt.Equal(at(300)) {
		t.Fatalf("Erasure after a second PutErasure = %v, want %v", runAt, at(300))
	}
	// Due at run_at, not before.
	wantSet(t, "DueErasures(99)", must(s.DueErasures(ctx(), at(99)))(t))
	wantSet(t, "DueErasures(100)", must(s.DueErasures(ctx(), at(100)))(t), a.ID)
	wantSet(t, "DueErasures(300)", must(s.DueErasures(ctx(), at(300)))(t), a.ID, b.ID, c.ID)

	// Cancelling.
	noErr(t, s.DeleteErasure(ctx(), a.ID))
	_, err = s.Erasure(ctx(), a.ID)
	wantNotFound(t, err, "Erasure after DeleteErasure")
	noErr(t, s.DeleteErasure(ctx(), a.ID))
	wantSet(t, "DueErasures after a cancel", must(s.DueErasures(ctx(), at(300)))(t), b.ID, c.ID)
	if err := s.PutErasure(ctx(), kurz.NewID("eu"), at(0), at(1)); err == nil {
		t.Fatal("PutErasure of a missing profile succeeded")
	}
}

// person is a person with a row in every table that hangs off a profile.
type person struct {
	p      *kurz.Profile
	videos []*kurz.Video
	export string
}

func populate(t *testing.T, s kurz.Store, handle string, n int) *person {
	t.Helper()
	p := mustProfile(t, s, handle)
	out := &person{p: p}
	noErr(t, s.CreateAccount(ctx(), &kurz.Account{UserID: p.ID, EmailIndex: []byte(handle), EmailSealed: []byte("e"),
		BirthDateSealed: []byte("b"), CountrySealed: []byte("c"), PasswordHash: "h", CreatedAt: at(0)}))
	for i := range 2 {
		noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: fmt.Appendf(nil, "%s-%d", handle, i), UserID: p.ID, CreatedAt: at(i), ExpiresAt: at(9999)}))
		v := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(n+i))
		noErr(t, s.SetHashtags(ctx(), v.ID, []string{"t1", "t2"}, at(0)))
		out.videos = append(out.videos, v)
		must(s.AddView(ctx(), p.ID, "us_seen", int64(i), at(0)))(t)
	}
	must(s.AddLike(ctx(), p.ID, "us_liked", at(0)))(t)
	must(s.AddFollow(ctx(), p.ID, "us_followed", at(0)))(t)
	noErr(t, s.AddNotification(ctx(), &kurz.Notification{ID: "n-" + handle, UserID: p.ID, Kind: "export_ready", DataSealed: []byte("x"), CreatedAt: at(0)}))
	out.export = "x-" + handle
	noErr(t, s.PutExport(ctx(), &kurz.Export{ID: out.export, UserID: p.ID, Status: "ready", CreatedAt: at(0), ExpiresAt: at(100)}))
	noErr(t, s.PutErasure(ctx(), p.ID, at(0), at(100)))
	noErr(t, s.GrantRole(ctx(), p.ID, "moderator", "eu_admin", at(0)))
	must(s.TakeWork(ctx(), p.ID, kurz.WorkUpload, 1, 10))(t)
	return out
}

func comment(t *testing.T, s kurz.Queries, videoID string, author *kurz.Profile, n int) string {
	t.Helper()
	id := fmt.Sprintf("eu_c_%s_%d", author.Handle, n)
	noErr(t, s.CreateComment(ctx(), &kurz.Comment{ID: id, VideoID: videoID, AuthorID: author.ID, AuthorHandle: author.Handle, Text: "hi", CreatedAt: at(n)}))
	return id
}

// testDeletePerson: DeletePerson removes the person's profile and every
// row that hangs off it, their comments anywhere and the comments on
// their videos, and nothing of anyone else.
func testDeletePerson(t *testing.T, s kurz.Store) {
	a := populate(t, s, "anna", 10)
	b := populate(t, s, "ben", 20)
	onA := comment(t, s, a.videos[0].ID, b.p, 1) // b's comment on a's video
	byA := comment(t, s, b.videos[0].ID, a.p, 2) // a's comment on b's video
	own := comment(t, s, b.videos[1].ID, b.p, 3) // b's comment on b's video
	must(s.AddLike(ctx(), b.p.ID, a.videos[0].ID, at(0)))(t)
	must(s.AddFollow(ctx(), b.p.ID, a.p.ID, at(0)))(t)

	before := must(s.TableCounts(ctx()))(t)
	noErr(t, s.DeletePerson(ctx(), a.p.ID))
	after := must(s.TableCounts(ctx()))(t)

	// Exactly a's rows go: every table not named here keeps its count.
	// (b's like of a's video and b's follow of a are b's rows.)
	gone := map[string]int64{"profiles": 1, "accounts": 1, "sessions": 2, "videos": 2, "video_hashtags": 4, "comments": 2,
		"likes": 1, "follows": 1, "views": 2, "notifications": 1, "exports": 1, "erasures": 1, "roles": 1, "work_done": 1}
	for _, table := range slices.Sorted(maps.Keys(before)) {
		if d := before[table] - after[table]; d != gone[table] {
			t.Errorf("DeletePerson removed %d rows of %s, want %d", d, table, gone[table])
		}
	}

	id := a.p.ID
	_, err := s.ProfileByID(ctx(), id)
	wantNotFound(t, err, "profile of a deleted person")
	_, err = s.AccountByID(ctx(), id)
	wantNotFound(t, err, "account of a deleted person")
	_, err = s.AccountByEmailIndex(ctx(), []byte("anna"))
	wantNotFound(t, err, "account of a deleted person by email")
	_, err = s.SessionByTokenHash(ctx(), []byte("anna-0"))
	wantNotFound(t, err, "session of a deleted person")
	for _, v := range a.videos {
		_, err = s.VideoByID(ctx(), v.ID)
		wantNotFound(t, err, "video of a deleted person")
		wantStrings(t, "hashtags of a deleted person's video", must(s.HashtagsOf(ctx(), v.ID))(t))
	}
	for _, c := range []string{onA, byA} {
		_, err = s.CommentByID(ctx(), c)
		wantNotFound(t, err, "comment "+c)
	}
	_, err = s.ExportByID(ctx(), a.export)
	wantNotFound(t, err, "export of a deleted person")
	_, err = s.Erasure(ctx(), id)
	wantNotFound(t, err, "erasure of a deleted person")
	if len(must(s.SessionsOf(ctx(), id))(t)) != 0 || len(must(s.LikedVideos(ctx(), id, 10))(t)) != 0 ||
		len(must(s.Followees(ctx(), id))(t)) != 0 || len(must(s.ViewedVideos(ctx(), id, 0))(t)) != 0 ||
		len(must(s.VideosOf(ctx(), id))(t)) != 0 || len(must(s.CommentsByAuthor(ctx(), id))(t)) != 0 ||
		len(must(s.NotificationsOf(ctx(), id))(t)) != 0 || len(must(s.ExportsOf(ctx(), id))(t)) != 0 {
		t.Fatal("a listing still shows a deleted person's rows")
	}
	if must(s.HasRole(ctx(), id, "moderator"))(t) {
		t.Fatal("a deleted person keeps a staff role")
	}

	// The other person is whole.
	must(s.ProfileByID(ctx(), b.p.ID))(t)
	must(s.AccountByID(ctx(), b.p.ID))(t)
	must(s.CommentByID(ctx(), own))(t)
	must(s.ExportByID(ctx(), b.export))(t)
	wantStrings(t, "b's sessions", sessionHashes(must(s.SessionsOf(ctx(), b.p.ID))(t)), "ben-0", "ben-1")
	wantStrings(t, "b's videos", videoIDs(must(s.VideosOf(ctx(), b.p.ID))(t)), b.videos[1].ID, b.videos[0].ID)
	wantStrings(t, "b's hashtags", must(s.HashtagsOf(ctx(), b.videos[0].ID))(t), "t1", "t2")
	if !must(s.HasRole(ctx(), b.p.ID, "moderator"))(t) {
		t.Fatal("b lost a role")
	}
}

func sessionHashes(ss []*kurz.Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s.TokenHash)
	}
	return out
}

func testSessionsOf(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "sia")
	q := mustProfile(t, s, "sid")
	for i, h := range []string{"s3", "s1", "s2"} {
		noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte(h), UserID: p.ID, CreatedAt: at(3 - i), ExpiresAt: at(99), IPSealed: []byte("ip" + h)}))
	}
	noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte("q1"), UserID: q.ID, CreatedAt: at(0), ExpiresAt: at(99)}))
	got := must(s.SessionsOf(ctx(), p.ID))(t)
	// Oldest first.
	wantStrings(t, "SessionsOf", sessionHashes(got), "s2", "s1", "s3")
	if got[0].UserID != p.ID || string(got[0].IPSealed) != "ips2" || !got[0].CreatedAt.Equal(at(1)) || !got[0].ExpiresAt.Equal(at(99)) {
		t.Fatalf("SessionsOf[0] = %+v", got[0])
	}
	noErr(t, s.DeleteSessionsOf(ctx(), p.ID))
	wantStrings(t, "SessionsOf after DeleteSessionsOf", sessionHashes(must(s.SessionsOf(ctx(), p.ID))(t)))
	wantStrings(t, "another person's sessions", sessionHashes(must(s.SessionsOf(ctx(), q.ID))(t)), "q1")
	noErr(t, s.DeleteSessionsOf(ctx(), p.ID))
}

func testForgetSessionIPs(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "fay")
	for _, x := range []struct {
		hash             string
		created, expires int
		ip               bool
	}{
		{"old", 0, 1000, true},
		{"old-no-ip", 0, 1000, false},
		{"new", 200, 1000, true},
		{"expired", 0, 50, false},
		{"expires-at-t", 0, 100, true},
	} {
		var ip []byte
		if x.ip {
			ip = []byte("ip")
		}
		noErr(t, s.CreateSession(ctx(), &kurz.Session{TokenHash: []byte(x.hash), UserID: p.ID, CreatedAt: at(x.created), ExpiresAt: at(x.expires), IPSealed: ip}))
	}
	if n := must(s.ForgetSessionIPs(ctx(), at(100)))(t); n != 2 {
		t.Fatalf("ForgetSessionIPs = %d IPs dropped, want 2", n)
	}
	ips := map[string]string{}
	for _, ss := range must(s.SessionsOf(ctx(), p.ID))(t) {
		ips[string(ss.TokenHash)] = string(ss.IPSealed)
	}
	want := map[string]string{"old": "", "old-no-ip": "", "new": "ip", "expires-at-t": ""}
	if !maps.Equal(ips, want) {
		t.Fatalf("sessions and IPs after ForgetSessionIPs = %q, want %q", ips, want)
	}
	if n := must(s.ForgetSessionIPs(ctx(), at(100)))(t); n != 0 {
		t.Fatalf("a second ForgetSessionIPs dropped %d IPs", n)
	}
}

func testCommentsByAuthor(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "cory")
	q := mustProfile(t, s, "cate")
	v1 := mustVideo(t, s, q.ID, kurz.StatusReady, kurz.Public, at(0))
	v2 := mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	c3 := comment(t, s, v1.ID, p, 3)
	c1 := comment(t, s, v2.ID, p, 1)
	comment(t, s, v1.ID, q, 2)
	c5 := comment(t, s, v1.ID, p, 5)
	got := must(s.CommentsByAuthor(ctx(), p.ID))(t)
	wantStrings(t, "CommentsByAuthor (oldest first)", commentIDs(got), c1, c3, c5)
	if got[0].VideoID != v2.ID || got[0].AuthorHandle != "cory" || got[0].Text != "hi" || !got[0].CreatedAt.Equal(at(1)) {
		t.Fatalf("CommentsByAuthor[0] = %+v", got[0])
	}
	wantStrings(t, "CommentsByAuthor of nobody", commentIDs(must(s.CommentsByAuthor(ctx(), kurz.NewID("eu")))(t)))
}

func testNotifications(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "nora")
	q := mustProfile(t, s, "nick")
	for _, n := range []*kurz.Notification{
		{ID: "n2", UserID: p.ID, Kind: "statement", DataSealed: []byte{0, 2}, CreatedAt: at(5)},
		{ID: "n1", UserID: p.ID, Kind: "export_ready", DataSealed: []byte{1}, CreatedAt: at(1)},
		{ID: "n3b", UserID: p.ID, Kind: "statement", DataSealed: []byte{3}, CreatedAt: at(9)},
		{ID: "n3a", UserID: p.ID, Kind: "statement", DataSealed: []byte{3}, CreatedAt: at(9)},
		{ID: "q1", UserID: q.ID, Kind: "statement", DataSealed: []byte{4}, CreatedAt: at(2)},
	} {
		noErr(t, s.AddNotification(ctx(), n))
	}
	got := must(s.NotificationsOf(ctx(), p.ID))(t)
	var ids []string
	for _, n := range got {
		ids = append(ids, n.ID)
	}
	// Newest first; the same millisecond by ID.
	wantStrings(t, "NotificationsOf", ids, "n3a", "n3b", "n2", "n1")
	if n := got[2]; n.UserID != p.ID || n.Kind != "statement" || !bytes.Equal(n.DataSealed, []byte{0, 2}) || !n.CreatedAt.Equal(at(5)) {
		t.Fatalf("NotificationsOf[2] = %+v", n)
	}
	wantCode(t, s.AddNotification(ctx(), &kurz.Notification{ID: "n1", UserID: p.ID, Kind: "x", DataSealed: []byte{1}, CreatedAt: at(0)}), kurz.EConflict)
	if err := s.AddNotification(ctx(), &kurz.Notification{ID: "n9", UserID: kurz.NewID("eu"), Kind: "x", DataSealed: []byte{1}, CreatedAt: at(0)}); err == nil {
		t.Fatal("AddNotification to a missing profile succeeded")
	}

	// One actor in one group notifies once; other actors and groups do.
	for _, n := range []*kurz.Notification{
		{ID: "l1", UserID: p.ID, Kind: "like", DataSealed: []byte{5}, CreatedAt: at(10), GroupKey: "like:v1", ActorKey: "a"},
		{ID: "l2", UserID: p.ID, Kind: "like", DataSealed: []byte{5}, CreatedAt: at(11), GroupKey: "like:v1", ActorKey: "a"},
		{ID: "l3", UserID: p.ID, Kind: "like", DataSealed: []byte{5}, CreatedAt: at(12), GroupKey: "like:v1", ActorKey: "b"},
		{ID: "l4", UserID: p.ID, Kind: "like", DataSealed: []byte{5}, CreatedAt: at(13), GroupKey: "like:v2", ActorKey: "a"},
		{ID: "l5", UserID: q.ID, Kind: "like", DataSealed: []byte{5}, CreatedAt: at(13), GroupKey: "like:v1", ActorKey: "a"},
	} {
		noErr(t, s.AddNotification(ctx(), n))
	}
	got = must(s.NotificationsOf(ctx(), p.ID))(t)
	if len(got) != 7 || got[0].ID != "l4" || got[0].GroupKey != "like:v2" || got[0].ActorKey != "a" || !got[0].ReadAt.IsZero() {
		t.Fatalf("NotificationsOf after likes = %d, first %+v", len(got), got[0])
	}
	// Read state: unread counted per person; marking named ones, then all.
	if n := must(s.UnreadNotifications(ctx(), p.ID))(t); n != 7 {
		t.Fatalf("UnreadNotifications = %d, want 7", n)
	}
	if n := must(s.MarkNotificationsRead(ctx(), p.ID, []string{"l4", "n1", "q1"}, at(20)))(t); n != 2 {
		t.Fatalf("MarkNotificationsRead of two own and one other's = %d, want 2", n)
	}
	if n := must(s.UnreadNotifications(ctx(), q.ID))(t); n != 2 {
		t.Fatalf("another person's unread after marking = %d, want 2 (untouched)", n)
	}
	if n := must(s.MarkNotificationsRead(ctx(), p.ID, nil, at(21)))(t); n != 5 {
		t.Fatalf("MarkNotificationsRead all = %d, want 5", n)
	}
	if n := must(s.UnreadNotifications(ctx(), p.ID))(t); n != 0 {
		t.Fatalf("UnreadNotifications after all read = %d", n)
	}
	for _, n := range must(s.NotificationsOf(ctx(), p.ID))(t) {
		if want := at(21); n.ID == "l4" || n.ID == "n1" {
			want = at(20)
			if !n.ReadAt.Equal(want) {
				t.Fatalf("%s read at %v, want %v", n.ID, n.ReadAt, want)
			}
		} else if !n.ReadAt.Equal(want) {
			t.Fatalf("%s read at %v, want %v", n.ID, n.ReadAt, want)
		}
	}

	// Inbox switches: none set reads as the zero value; put replaces.
	if st := must(s.InboxSettings(ctx(), p.ID))(t); st.ShowLikes || len(st.Muted) != 0 || st.UserID != p.ID {
		t.Fatalf("InboxSettings unset = %+v", st)
	}
	noErr(t, s.PutInboxSettings(ctx(), &kurz.InboxSettings{UserID: p.ID, ShowLikes: true, Muted: []string{"like", "follow"}}))
	noErr(t, s.PutInboxSettings(ctx(), &kurz.InboxSettings{UserID: p.ID, ShowLikes: true, Muted: []string{"comment"}}))
	if st := must(s.InboxSettings(ctx(), p.ID))(t); !st.ShowLikes || len(st.Muted) != 1 || st.Muted[0] != "comment" {
		t.Fatalf("InboxSettings after put = %+v", st)
	}
	if st := must(s.InboxSettings(ctx(), q.ID))(t); st.ShowLikes {
		t.Fatalf("another person's InboxSettings = %+v", st)
	}
}

func testExports(t *testing.T, s kurz.Store) {
	p := mustProfile(t, s, "xena")
	q := mustProfile(t, s, "xavi")
	e := &kurz.Export{ID: "x1", UserID: p.ID, Status: "pending", CreatedAt: at(1), ExpiresAt: at(100)}
	noErr(t, s.PutExport(ctx(), e))
	noErr(t, s.PutExport(ctx(), &kurz.Export{ID: "x2", UserID: p.ID, Status: "failed", CreatedAt: at(2), ExpiresAt: at(100)}))
	noErr(t, s.PutExport(ctx(), &kurz.Export{ID: "y1", UserID: q.ID, Status: "ready", CreatedAt: at(2), ExpiresAt: at(100)}))
	got := must(s.ExportByID(ctx(), "x1"))(t)
	if got.ID != e.ID || got.UserID != e.UserID || got.Status != e.Status || !got.CreatedAt.Equal(e.CreatedAt) || !got.ExpiresAt.Equal(e.ExpiresAt) {
		t.Fatalf("ExportByID = %+v, want %+v", got, e)
	}
	// PutExport again moves the status and expiry, nothing else.
	noErr(t, s.PutExport(ctx(), &kurz.Export{ID: "x1", UserID: q.ID, Status: "ready", CreatedAt: at(50), ExpiresAt: at(200)}))
	got = must(s.ExportByID(ctx(), "x1"))(t)
	if got.UserID != p.ID || got.Status != "ready" || !got.CreatedAt.Equal(at(1)) || !got.ExpiresAt.Equal(at(200)) {
		t.Fatalf("ExportByID after update = %+v", got)
	}
	wantSet(t, "ExportsOf", must(s.ExportsOf(ctx(), p.ID))(t), "x1", "x2")
	wantSet(t, "ExportsOf another", must(s.ExportsOf(ctx(), q.ID))(t), "y1")
	_, err := s.ExportByID(ctx(), "x3")
	wantNotFound(t, err, "ExportByID of a missing export")
}

func testAudit(t *testing.T, s kurz.Store) {
	_, err := s.LastAudit(ctx())
	wantNotFound(t, err, "LastAudit of an empty audit log")
	wantStrings(t, "AuditEntries of an empty log", auditActions(must(s.AuditEntries(ctx(), ""))(t)))
	entries := []*kurz.AuditEntry{
		{Seq: 1, At: at(1), ActorID: "eu_staff", SubjectID: "eu_s1", Action: "view", Fields: "email,country", Reason: "ticket 1", PrevHash: "", Hash: "h1"},
		{Seq: 2, At: at(2), ActorID: "eu_staff", SubjectID: "eu_s2", Action: "export", Fields: "all", Reason: "ticket 2", PrevHash: "h1", Hash: "h2"},
		{Seq: 3, At: at(3), ActorID: "eu_boss", SubjectID: "eu_s1", Action: "erase", Fields: "", Reason: "request", PrevHash: "h2", Hash: "h3"},
	}
	for _, e := range entries {
		noErr(t, s.AppendAudit(ctx(), e))
		last := must(s.LastAudit(ctx()))(t)
		if !sameAudit(last, e) {
			t.Fatalf("LastAudit = %+v, want %+v", last, e)
		}
	}
	all := must(s.AuditEntries(ctx(), ""))(t)
	if len(all) != 3 {
		t.Fatalf("AuditEntries = %d entries, want 3", len(all))
	}
	for i, e := range all {
		if !sameAudit(e, entries[i]) {
			t.Fatalf("AuditEntries[%d] = %+v, want %+v", i, e, entries[i])
		}
	}
	wantStrings(t, "AuditEntries(eu_s1)", auditActions(must(s.AuditEntries(ctx(), "eu_s1"))(t)), "view", "erase")
	wantStrings(t, "AuditEntries(nobody)", auditActions(must(s.AuditEntries(ctx(), "eu_none"))(t)))
	// Two writers that read the same last entry cannot both extend the
	// chain: the second one's entry conflicts.
	fork := *entries[2]
	fork.Action, fork.Hash = "view", "fork"
	wantCode(t, s.AppendAudit(ctx(), &fork), kurz.EConflict)
	if last := must(s.LastAudit(ctx()))(t); last.Hash != "h3" {
		t.Fatalf("LastAudit after a conflicting append = %+v", last)
	}
}

func sameAudit(a, b *kurz.AuditEntry) bool {
	x, y := *a, *b
	if !x.At.Equal(y.At) {
		return false
	}
	x.At = y.At
	return x == y
}

func auditActions(es []*kurz.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func testRoles(t *testing.T, s kurz.Store) {
	if must(s.HasRole(ctx(), "eu_m", "moderator"))(t) {
		t.Fatal("a role nobody granted")
	}
	noErr(t, s.GrantRole(ctx(), "eu_m", "moderator", "eu_admin", at(1)))
	noErr(t, s.GrantRole(ctx(), "us_a", "admin", "eu_admin", at(1))) // staff of any region
	// Granting again is not an error.
	noErr(t, s.GrantRole(ctx(), "eu_m", "moderator", "eu_other", at(2)))
	for _, c := range []struct {
		user, role string
		want       bool
	}{
		{"eu_m", "moderator", true},
		{"eu_m", "admin", false},
		{"us_a", "admin", true},
		{"us_a", "moderator", false},
		{"eu_x", "moderator", false},
	} {
		if got := must(s.HasRole(ctx(), c.user, c.role))(t); got != c.want {
			t.Errorf("HasRole(%s, %s) = %v, want %v", c.user, c.role, got, c.want)
		}
	}
	// Listed by person and role, with who granted each first.
	got := must(s.Roles(ctx()))(t)
	want := []kurz.RoleGrant{{UserID: "eu_m", Role: "moderator", GrantedBy: "eu_admin", GrantedAt: at(1)},
		{UserID: "us_a", Role: "admin", GrantedBy: "eu_admin", GrantedAt: at(1)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Roles = %+v, want %+v", got, want)
	}
	noErr(t, s.RevokeRole(ctx(), "eu_m", "moderator"))
	if must(s.HasRole(ctx(), "eu_m", "moderator"))(t) {
		t.Fatal("a revoked role is still held")
	}
	if err := s.RevokeRole(ctx(), "eu_m", "moderator"); !errors.Is(err, kurz.ErrNotFound) {
		t.Fatalf("revoking a role not held: %v", err)
	}
	if got := must(s.Roles(ctx()))(t); len(got) != 1 || got[0].UserID != "us_a" {
		t.Fatalf("Roles after revoking = %+v", got)
	}
}

func testTableCounts(t *testing.T, s kurz.Store) {
	counts := must(s.TableCounts(ctx()))(t)
	for _, table := range []string{"profiles", "accounts", "sessions", "handle_claims", "email_claims", "videos", "video_hashtags", "likes", "follows",
		"views", "comments", "deltas_out", "deltas_in", "public_log", "replicas", "log_positions", "erasures", "notifications",
		"exports", "access_audit", "roles", "notices", "queue_items", "queue_reports", "decisions", "blocked_media", "reporter_standing", "work_done"} {
		if n, ok := counts[table]; !ok || n != 0 {
			t.Errorf("TableCounts of a new store: %s = %d (listed %v), want 0", table, n, ok)
		}
	}
	p := mustProfile(t, s, "tess")
	mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(0))
	mustVideo(t, s, p.ID, kurz.StatusReady, kurz.Public, at(1))
	counts = must(s.TableCounts(ctx()))(t)
	if counts["profiles"] != 1 || counts["videos"] != 2 || counts["comments"] != 0 {
		t.Fatalf("TableCounts = %v, want 1 profile and 2 videos", counts)
	}
}

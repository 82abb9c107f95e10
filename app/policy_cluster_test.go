package app_test

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/policy"
)

// clusterStates are the policy table's states checked in the three-
// process setup: every answer of the cross-region columns (show, hide and
// a recommendation withheld), with owners who are adults, a private
// account, a 13-15 year old and a person whose erasure is pending. The
// moderation states are checked in one process (TestPolicyTable); their
// public facts cross regions on the same log.
var clusterStates = []string{"public", "followers", "private_account", "minor_owner", "erasing"}

// clusterViewers are the table's viewers checked there (staff and mutual
// add nothing at other regions' doors).
var clusterViewers = []string{"anon", "adult", "minor", "follower", "owner"}

// replicaIDs reads the video replicas a region's process holds, from its
// database file (read-only, while it runs).
func replicaIDs(t *testing.T, dir, region string) (ids map[string]json.RawMessage) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, region, "kurz.db")+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, data FROM replicas WHERE kind = 'video'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids = map[string]json.RawMessage{}
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			t.Fatal(err)
		}
		ids[id] = data
	}
	return ids
}

// TestPolicyTableThreeRegions checks the policy table's cross-region
// columns (record, page, media and search at other regions' doors, and the
// replica other regions hold) in three real processes, with the table's
// own rows (policy.Cells) for the states of clusterStates; then a byte
// scan of us and sg after a 14-year-old of eu posted and was followed
// from there: no birth date, age or minor flag outside eu.
func TestPolicyTableThreeRegions(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	eu := c.at("eu")
	teenBirth := time.Now().AddDate(-14, 0, 0).Format(time.DateOnly)
	sign := func(handle, birth string) account {
		a := eu.signUp(handle, handle+"@example.org", birth, policy.TableCountry)
		eu.login(&a)
		return a
	}
	creator, privy, teen, leaver := sign("ccreator", "1990-01-01"), sign("cprivy", "1990-01-01"), sign("cteen", teenBirth), sign("cleaver", "1990-01-01")
	adult, minor, follower := sign("cadult", "1990-01-01"), sign("cminor", teenBirth), sign("cfollower", "1990-01-01")
	if teen.Region != "eu" || creator.Region != "eu" {
		t.Fatalf("regions: %s %s", teen.Region, creator.Region)
	}
	if r := eu.do("PATCH", "/api/v1/me/settings", map[string]bool{"private_account": true}, bearer(privy)...); r.Status != 200 {
		t.Fatalf("private account: %d %s", r.Status, r.Body)
	}
	w := &policyWorld{videos: map[string]string{}, owners: map[string]account{},
		viewers: map[string]account{"anon": {}, "adult": adult, "minor": minor, "follower": follower}}
	clip := filepath.Join(t.TempDir(), "c.mp4")
	mediatest.Clip(t, clip, 64, 114, 1, false)
	for _, u := range []struct {
		state, visibility string
		owner             account
	}{{"public", "public", creator}, {"followers", "followers", creator}, {"private_account", "public", privy},
		{"minor_owner", "public", teen}, {"erasing", "public", leaver}} {
		res := eu.tusUpload(u.owner.Token, clip, map[string]string{"caption": "cluster " + u.state + " #pt" + strings.ReplaceAll(u.state, "_", ""), "visibility": u.visibility}, 1, "")
		if v := eu.waitVideo(u.owner.Token, res.VideoID); v.Status != "ready" {
			t.Fatalf("%s: %+v", u.state, v)
		}
		w.videos[u.state], w.owners[u.state] = res.VideoID, u.owner
	}
	// The follower follows every owner through the us door; the owners of
	// private accounts approve.
	us := c.at("us")
	for _, o := range []account{creator, privy, teen, leaver} {
		if r := us.do("PUT", "/api/v1/users/"+o.Handle+"/follow", nil, bearer(follower)...); r.Status != 200 {
			t.Fatalf("follow %s at the us door: %d %s", o.Handle, r.Status, r.Body)
		}
		w.s = eu
		w.approve(o, follower)
	}
	if r := eu.do("DELETE", "/api/v1/me", map[string]string{"password": leaver.Password}, bearer(leaver)...); r.Status != 202 {
		t.Fatalf("erasure request: %d %s", r.Status, r.Body)
	}

	cells, err := policy.Cells()
	if err != nil {
		t.Fatal(err)
	}
	// The replica column: what us and sg hold once they caught up with eu.
	for _, region := range []string{"us", "sg"} {
		for _, cl := range cells {
			if cl.Viewer != "anon" || !slices.Contains(clusterStates, cl.State) {
				continue
			}
			want := cl.Answers[policy.Replica] != policy.Hide
			waitFor(t, region+"'s replica of "+cl.State, func() bool {
				_, ok := replicaIDs(t, c.dirs[region], region)[w.videos[cl.State]]
				return ok == want
			})
		}
		if !t.Failed() {
			for id, data := range replicaIDs(t, c.dirs[region], region) {
				if strings.Contains(string(data), `"minor"`) {
					t.Errorf("%s's replica of %s says whether its owner is a minor: %s", region, id, data)
				}
			}
		}
	}
	// Record, page, media and search at the doors of the other regions.
	checked := 0
	for _, door := range []string{"us", "sg"} {
		w.s = c.at(door)
		for _, cl := range cells {
			if cl.Viewer == "anon" && slices.Contains(clusterStates, cl.State) && cl.Answers[policy.Search] != policy.Hide {
				waitFor(t, door+"'s search index to find "+cl.State, func() bool {
					found, _ := w.answer(t, cl.State, "anon", policy.Search, nil)
					return found
				})
			}
		}
		for _, cl := range cells {
			if !slices.Contains(clusterStates, cl.State) || !slices.Contains(clusterViewers, cl.Viewer) {
				continue
			}
			for _, f := range []policy.Surface{policy.Record, policy.Page, policy.Media, policy.Search} {
				shown, _ := w.answer(t, cl.State, cl.Viewer, f, nil)
				checked++
				if want := cl.Answers[f]; shown != (want != policy.Hide) {
					t.Errorf("at the %s door: %s × %s × %s: shows=%v, the table says %s", door, cl.Viewer, cl.State, f, shown, want)
				}
			}
		}
	}
	t.Logf("%d cells of the policy table checked at other regions' doors", checked)

	// The 14-year-old posted and was followed from us: nothing of their age
	// is outside eu, on disk or in the logs.
	canaries := []string{teenBirth, strings.ReplaceAll(teenBirth, "-", ""), `"minor"`, `"age"`, `"birth_date"`}
	for _, region := range []string{"us", "sg"} {
		hits, err := leak.ScanDir(c.dirs[region], canaries...)
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, leak.Find(region+" log", []byte(c.procs[region].logs.String()), canaries...)...)
		for _, h := range hits {
			t.Errorf("a minor's age outside their region: %s", h)
		}
	}
	// The scan sees what is there: the public video's caption is in us.
	if hits, _ := leak.ScanDir(c.dirs["us"], "cluster public"); len(hits) == 0 {
		t.Fatal("the public caption is not in us: the scan may be blind")
	}
}

package app_test

import (
	"archive/tar"
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/internal/pgtest"
	"kurz/keyring"
	"kurz/regionarchive"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// splitCluster is three real kurz processes, eu, us and sg, with an
// explicit email locator secret (which the new operator of a split-off
// region receives) and a link secret shared by all three.
type splitCluster struct {
	t                    *testing.T
	addrs, dirs          map[string]string
	procs                map[string]*process
	secret, locator      string
	usPairEU, usPairSG   string // files of the new pair secrets, after the split
	repeered, usDetached bool
	extra                map[string][]string
	directory            string // the region every process names with --directory
}

func newSplitCluster(t *testing.T) *splitCluster { return startSplitCluster(t, "eu") }

// startSplitCluster starts the three with directory as the handle
// directory.
func startSplitCluster(t *testing.T, directory string) *splitCluster {
	c := &splitCluster{t: t, addrs: map[string]string{}, dirs: map[string]string{}, procs: map[string]*process{}, extra: map[string][]string{},
		directory: directory}
	c.secret = secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("the shared link secret ")+"0123456789")))
	c.locator = secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("the email locator secret ")+"0123456789")))
	for _, r := range []string{"eu", "us", "sg"} {
		c.addrs[r], c.dirs[r] = freeAddr(t), t.TempDir()
	}
	for _, r := range []string{"eu", "us", "sg"} {
		c.start(r)
	}
	return c
}

// start runs region r's process: before the split all three share the
// link secret; after it, us speaks with eu and sg under pair secrets of
// its own and holds no shared secret at all; after a detach, eu and sg
// run without us.
func (c *splitCluster) start(r string) {
	args := []string{"--regions", r, "--data", c.dirs[r], "--directory", c.directory, "--locator-secret-file", c.locator,
		"--trusted-proxy", "127.0.0.1/32", "--signups-per-ip", "1000"}
	if r != "us" || !c.repeered {
		args = append(args, "--link-secret-file", c.secret)
	}
	for _, p := range []string{"eu", "us", "sg"} {
		if p == r || (c.usDetached && p == "us") {
			continue
		}
		args = append(args, "--peer", p+"=http://"+c.addrs[p])
	}
	if c.usDetached && r != "us" {
		args = append(args, "--topology", "eu-sg")
	}
	if c.repeered {
		switch r {
		case "us":
			args = append(args, "--peer-secret-file", "eu="+c.usPairEU, "--peer-secret-file", "sg="+c.usPairSG)
		case "eu":
			args = append(args, "--peer-secret-file", "us="+c.usPairEU)
		case "sg":
			args = append(args, "--peer-secret-file", "us="+c.usPairSG)
		}
	}
	c.procs[r] = startProcess(c.t, c.addrs[r], append(args, c.extra[r]...)...)
}

func (c *splitCluster) stop(r string) {
	c.procs[r].cmd.Process.Kill()
	c.procs[r].cmd.Wait()
}

func (c *splitCluster) at(r string) *server {
	return &server{t: c.t, base: "http://" + c.addrs[r], logs: c.procs[r].logs}
}

// splitWorkload is what happened across the regions before the split.
type splitWorkload struct {
	b, cUS, a, e, d account // b, cUS in us; a, e in eu; d in sg
	v1, v2, dVideo  string
	euCanaries      []string // personal data of eu and sg people
	usPublic        []string // us's public data held by eu and sg
	decision        string
	exportURL       string
}

// runSplitWorkload: people of each region following, liking, commenting
// across regions, private drafts, an open notice, an appeal, a pending
// erasure and an export.
func runSplitWorkload(t *testing.T, c *splitCluster) *splitWorkload {
	eu, us, sg := c.at("eu"), c.at("us"), c.at("sg")
	w := &splitWorkload{}
	aEmail, dEmail := canary("a.")+"@example.org", canary("d.")+"@example.sg"
	w.b = us.signUp("bea", "bea@example.com", "1990-01-01", "US")
	w.cUS = us.signUp("cal", "cal@example.com", "1990-01-01", "US")
	mod := us.signUp("mona", "mona@example.com", "1990-01-01", "US")
	w.a = eu.signUp("anna", aEmail, "1977-03-14", "DE")
	w.e = eu.signUp("emil", "emil@example.org", "1990-01-01", "DE")
	w.d = sg.signUp("dara", dEmail, "1968-09-21", "SG")
	for _, p := range []struct {
		s *server
		a *account
	}{{us, &w.b}, {us, &w.cUS}, {us, &mod}, {eu, &w.e}, {sg, &w.d}} {
		p.s.login(p.a)
	}
	// a and d sign in at the us door by email: their IPs are eu's and sg's.
	aIP, dIP := "198.51.100.77", "203.0.113.91"
	for _, p := range []struct {
		a     *account
		email string
		ip    string
	}{{&w.a, aEmail, aIP}, {&w.d, dEmail, dIP}} {
		r := us.do("POST", "/api/v1/sessions", map[string]string{"login": p.email, "password": p.a.Password}, "X-Forwarded-For", p.ip)
		if r.Status != 201 {
			t.Fatalf("sign-in at the us door: %d %s", r.Status, r.Body)
		}
		var s struct{ Token string }
		r.json(t, &s)
		p.a.Token = s.Token
	}
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	usCaption := canary("us-public-caption-")
	w.v1 = us.tusUpload(w.b.Token, clip, map[string]string{"caption": usCaption, "visibility": "public"}, 1, "").VideoID
	w.v2 = us.tusUpload(w.b.Token, clip, map[string]string{"caption": "second clip", "visibility": "public"}, 1, "").VideoID
	w.dVideo = sg.tusUpload(w.d.Token, clip, map[string]string{"caption": "from sg", "visibility": "public"}, 1, "").VideoID
	for _, v := range []struct {
		s   *server
		tok string
		id  string
	}{{us, w.b.Token, w.v1}, {us, w.b.Token, w.v2}, {sg, w.d.Token, w.dVideo}} {
		if got := v.s.waitVideo(v.tok, v.id); got.Status != "ready" {
			t.Fatalf("video %s: %+v", v.id, got)
		}
	}
	waitFor(t, "us's video at the eu and sg doors", func() bool {
		return eu.do("GET", "/api/v1/videos/"+w.v1, nil).Status == 200 && sg.do("GET", "/api/v1/videos/"+w.v1, nil).Status == 200 &&
			us.do("GET", "/api/v1/videos/"+w.dVideo, nil).Status == 200
	})
	// Private data of eu people: a draft's caption.
	aPrivate := canary("anna-private-caption-")
	if r := eu.do("POST", "/api/v1/uploads/", nil, append(bearer(w.a), "Tus-Resumable", "1.0.0", "Upload-Length", "1000",
		"Upload-Metadata", "caption "+base64.StdEncoding.EncodeToString([]byte(aPrivate)))...); r.Status != 201 {
		t.Fatalf("a's draft: %d %s", r.Status, r.Body)
	}
	usComment := canary("cal-comment-on-sg-")
	for _, step := range []struct {
		s            *server
		who          account
		method, path string
		body         any
	}{
		{eu, w.a, "PUT", "/api/v1/users/bea/follow", nil},
		{eu, w.a, "POST", "/api/v1/videos/" + w.v1 + "/comments", map[string]string{"text": "nice one from eu"}},
		{eu, w.e, "PUT", "/api/v1/videos/" + w.v1 + "/like", nil},
		{sg, w.d, "PUT", "/api/v1/videos/" + w.v1 + "/like", nil},
		{us, w.cUS, "PUT", "/api/v1/videos/" + w.dVideo + "/like", nil},
		{us, w.cUS, "POST", "/api/v1/videos/" + w.dVideo + "/comments", map[string]string{"text": usComment}},
		{us, w.cUS, "PUT", "/api/v1/users/dara/follow", nil},
		// An open notice about a us video, filed in sg; another, in eu.
		{sg, w.d, "POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": w.v1,
			"category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "explanation": "asks for bank details"}},
		{eu, w.e, "POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": w.v2,
			"category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "explanation": "asks for bank details too"}},
	} {
		if r := step.s.do(step.method, step.path, step.body, bearer(step.who)...); r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, r.Status, r.Body)
		}
	}
	// mona, a us moderator, takes v2 down on eu's notice; bea appeals.
	if out, err := runKurz(t, "admin", "grant", "--region", "us", "--data", c.dirs["us"], "--handle", "mona", "--role", "moderator"); err != nil {
		t.Fatalf("grant: %v\n%s", err, out)
	}
	us.enrolTOTP(&mod) // staff act with a second factor
	var item string
	for _, it := range us.queue(mod, "us") {
		if it.TargetID == w.v2 {
			item = it.ID
		}
	}
	if r := us.do("POST", "/api/v1/moderation/us/items/"+item+"/claim", nil, bearer(mod)...); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	r := us.do("POST", "/api/v1/moderation/us/items/"+item+"/decide", map[string]any{"action": "remove", "ground": "terms",
		"explanation": "Scams are not allowed.", "facts": "The video asks for bank details."}, bearer(mod)...)
	if r.Status != 201 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	var st map[string]any
	r.json(t, &st)
	w.decision, _ = st["puid"].(string)
	if r := us.do("POST", "/api/v1/appeals", map[string]string{"decision_id": w.decision, "explanation": "it was fine"}, bearer(w.b)...); r.Status != 201 {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	w.exportURL = us.waitExport(nil, bearer(w.b)...)
	// cal asks to be erased: pending for the grace period.
	if r := us.do("DELETE", "/api/v1/me", map[string]string{"password": w.cUS.Password}, bearer(w.cUS)...); r.Status != 202 {
		t.Fatalf("erasure: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the counters at us", func() bool {
		var v struct{ Likes, Comments int64 }
		us.do("GET", "/api/v1/videos/"+w.v1, nil).json(t, &v)
		return v.Likes == 2 && v.Comments == 1
	})
	w.euCanaries = []string{aEmail, "1977-03-14", aIP, aPrivate, w.e.ID, dEmail, "1968-09-21", dIP}
	w.usPublic = []string{usCaption, usComment}
	return w
}

// exportUS runs "kurz region export" beside the serving us process and
// returns the archive's path and the identity that opens it.
func exportUS(t *testing.T, c *splitCluster) (archive, idFile string, id age.Identity) {
	idFile = filepath.Join(t.TempDir(), "new-operator.age")
	out, err := runKurz(t, "region", "keygen", "--out", idFile)
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	recipient := strings.TrimSpace(out)
	dir := t.TempDir()
	if out, err := runKurz(t, "region", "export", "--region", "us", "--data", c.dirs["us"], "--out", dir, "--recipient", recipient); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(idFile)
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "kurz-region-us.age"), idFile, ids[0]
}

// scanArchive opens the archive as the new operator would and checks it:
// sealed (no us data readable without the identity), every table's count
// equal to the old us database's and to the manifest, no personal data of
// eu or sg people in any entry in any common encoding, us's own public
// data present.
func scanArchive(t *testing.T, c *splitCluster, w *splitWorkload, path string, id age.Identity) *regionarchive.Manifest {
	sealed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if hits := leak.Find("sealed archive", sealed, w.usPublic...); len(hits) > 0 {
		t.Fatalf("the sealed archive shows us data: %v", hits)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), id)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(r)
	var all bytes.Buffer
	var man regionarchive.Manifest
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name == "manifest.json" {
			json.Unmarshal(b, &man)
		}
		if hits := leak.Find(h.Name, b, w.euCanaries...); len(hits) > 0 {
			t.Errorf("eu or sg personal data in the archive: %v", hits)
		}
		all.Write(b)
	}
	for _, s := range w.usPublic[:1] {
		if !bytes.Contains(all.Bytes(), []byte(s)) {
			t.Errorf("us's public data %q is not in the archive", s)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(c.dirs["us"], "us", "kurz.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table, n := range man.Rows {
		var have int64
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&have); err != nil {
			t.Fatal(err)
		}
		if have != n {
			t.Errorf("table %s: the old us holds %d rows, the manifest says %d", table, have, n)
		}
	}
	if man.Rows["accounts"] != 3 || man.Rows["comments"] != 1 || man.Rows["queue_items"] < 1 || man.Rows["appeals"] != 1 ||
		man.Rows["erasures"] != 1 || man.Rows["exports"] != 1 || man.Rows["access_audit"] < 1 || man.KeyRows != 3 || man.Blobs == 0 {
		t.Errorf("manifest: %+v", man)
	}
	return &man
}

// checkKeys: the data keys in the new key store open under the new KEK
// and not under the old one.
func checkKeys(t *testing.T, oldKEKFile string, newKeysDSN, newKEKFile string) {
	oldB, err := os.ReadFile(oldKEKFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := keyring.ParseKey(strings.SplitN(string(oldB), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	old, _ := keyring.New(raw)
	nk, err := keyring.LoadOrCreate(newKEKFile)
	if err != nil {
		t.Fatal(err)
	}
	driver := "sqlite"
	if strings.HasPrefix(newKeysDSN, "postgres") {
		driver = "pgx"
	}
	db, err := sql.Open(driver, newKeysDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT user_id, wrapped_key FROM person_keys")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var uid string
		var wk []byte
		rows.Scan(&uid, &wk)
		n++
		if _, err := old.Unwrap(uid, wk); err == nil {
			t.Errorf("the seller's KEK opens %s's data key in the new region", uid)
		}
		if _, err := nk.Unwrap(uid, wk); err != nil {
			t.Errorf("the new KEK does not open %s's data key", uid)
		}
	}
	if n != 3 {
		t.Errorf("%d data keys in the new key store, want 3", n)
	}
}

// checkNewUS: the new us process serves its people as before the split.
func checkNewUS(t *testing.T, c *splitCluster, w *splitWorkload, relogin bool) {
	us := c.at("us")
	if r := us.do("GET", "/api/v1/me", nil, bearer(w.b)...); (r.Status == 200) == relogin {
		t.Fatalf("bea's session from before the split: %d (forced sign-in %v)", r.Status, relogin)
	}
	if relogin {
		us.login(&w.b)
	}
	var v struct {
		Status          string
		Likes, Comments int64
	}
	us.do("GET", "/api/v1/videos/"+w.v1, nil).json(t, &v)
	if v.Status != "ready" || v.Likes != 2 || v.Comments != 1 {
		t.Fatalf("bea's video at the new us: %+v", v)
	}
	if r := us.do("GET", "/api/v1/videos/"+w.v1+"/comments", nil); r.Status != 200 || !strings.Contains(string(r.Body), "nice one from eu") {
		t.Fatalf("comments at the new us: %d %s", r.Status, r.Body)
	}
	body := string(us.do("GET", "/api/v1/me/notifications", nil, bearer(w.b)...).Body)
	if !strings.Contains(body, "statement_of_reasons") || !strings.Contains(body, "export_ready") {
		t.Fatalf("bea's notifications at the new us: %s", body)
	}
	u := w.exportURL
	if i := strings.Index(u, "/api/"); i >= 0 {
		u = u[i:]
	}
	if r := us.do("GET", u, nil, bearer(w.b)...); r.Status != 200 || len(r.Body) == 0 {
		t.Fatalf("bea's export at the new us: %d", r.Status)
	}
	if r := us.do("GET", "/api/v1/videos/"+w.v2, nil); r.Status != 404 {
		t.Fatalf("the taken-down video at the new us: %d", r.Status)
	}
	// cal's erasure is still pending: cal is hidden.
	if r := us.do("GET", "/api/v1/users/cal", nil); r.Status != 404 {
		t.Fatalf("cal, pending erasure, at the new us: %d", r.Status)
	}
	out, err := runKurz(t, "privacy", "verify-audit", "--region", "us", "--data", c.dirs["us"])
	if err != nil || !strings.Contains(out, "chain intact") {
		t.Fatalf("audit chain at the new us: %v %s", err, out)
	}
}

// TestRegionSplitOff: the drill. A workload across eu, us and sg; us is
// exported while it serves; the archive holds every us record and no
// personal data of eu or sg people; it is imported into a fresh data
// folder; the new us serves every us person; eu and sg re-peer with it
// under new pair secrets and everything converges.
func TestRegionSplitOff(t *testing.T) {
	t.Parallel()
	c := newSplitCluster(t)
	w := runSplitWorkload(t, c)
	archive, idFile, id := exportUS(t, c)
	scanArchive(t, c, w, archive, id)

	// The seller stops us; the new operator imports it elsewhere.
	c.stop("us")
	oldKEK := filepath.Join(c.dirs["us"]+"-keys", "us", "kek")
	c.dirs["us"] = t.TempDir()
	if out, err := runKurz(t, "region", "import", "--region", "us", "--in", archive, "--identity-file", idFile, "--data", c.dirs["us"],
		"--force-relogin"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	checkKeys(t, oldKEK, "file:"+filepath.Join(c.dirs["us"]+"-keys", "us", "keys.db")+"?mode=ro", filepath.Join(c.dirs["us"]+"-keys", "us", "kek"))
	// A second import into the same folder is refused.
	if out, err := runKurz(t, "region", "import", "--region", "us", "--in", archive, "--identity-file", idFile, "--data", c.dirs["us"]); err == nil ||
		!strings.Contains(out, "fresh") {
		t.Fatalf("import over an imported region: %v\n%s", err, out)
	}

	// Re-peer under new pair secrets.
	c.repeered = true
	c.usPairEU = secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("new eu-us pair secret ")+"0123456789")))
	c.usPairSG = secretFile(t, base64.StdEncoding.EncodeToString([]byte(canary("new sg-us pair secret ")+"0123456789")))
	for _, r := range []string{"eu", "sg"} {
		c.stop(r)
		c.start(r)
	}
	c.start("us")
	checkNewUS(t, c, w, true)

	// Converge: a like after the split reaches us and comes back to every
	// door; a video published by the new us reaches eu and sg; us has
	// re-read eu's and sg's logs (sg's video and profiles are there).
	eu, us, sg := c.at("eu"), c.at("us"), c.at("sg")
	eu.loginFrom(&w.a, "")
	if r := eu.do("PUT", "/api/v1/videos/"+w.v1+"/like", nil, bearer(w.a)...); r.Status >= 300 {
		t.Fatalf("like after the split: %d %s", r.Status, r.Body)
	}
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 1, true)
	us.login(&w.b)
	v3 := us.tusUpload(w.b.Token, clip, map[string]string{"caption": "after the split", "visibility": "public"}, 1, "").VideoID
	if v := us.waitVideo(w.b.Token, v3); v.Status != "ready" {
		t.Fatalf("video at the new us: %+v", v)
	}
	waitFor(t, "eu, us and sg to converge", func() bool {
		for _, s := range []*server{eu, us, sg} {
			var v struct{ Likes, Comments int64 }
			if r := s.do("GET", "/api/v1/videos/"+w.v1, nil); r.Status != 200 {
				return false
			} else {
				r.json(t, &v)
			}
			if v.Likes != 3 || v.Comments != 1 || s.do("GET", "/api/v1/videos/"+v3, nil).Status != 200 ||
				s.do("GET", "/api/v1/videos/"+w.dVideo, nil).Status != 200 {
				return false
			}
		}
		return true
	})
}

// TestRegionSplitOffDetach: the other variant. us is imported from SQLite
// into PostgreSQL with a forced sign-in; eu and sg detach from it and hold
// no us data afterwards (byte scan of their folders, keys included).
func TestRegionSplitOffDetach(t *testing.T) {
	t.Parallel()
	c := newSplitCluster(t)
	w := runSplitWorkload(t, c)
	archive, idFile, id := exportUS(t, c)
	scanArchive(t, c, w, archive, id)
	c.stop("us")
	oldKEK := filepath.Join(c.dirs["us"]+"-keys", "us", "kek")
	c.dirs["us"] = t.TempDir()
	dsn, keysDSN := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	if out, err := runKurz(t, "region", "import", "--region", "us", "--in", archive, "--identity-file", idFile, "--data", c.dirs["us"],
		"--db", "us="+dsn, "--key-db", "us="+keysDSN); err != nil {
		t.Fatalf("import into PostgreSQL: %v\n%s", err, out)
	}
	checkKeys(t, oldKEK, keysDSN, filepath.Join(c.dirs["us"]+"-keys", "us", "kek"))

	// eu and sg detach us (stopped first; a running one is refused).
	if out, err := runKurz(t, "region", "detach", "us", "--region", "eu", "--data", c.dirs["eu"]); err == nil || !strings.Contains(out, "in use") {
		t.Fatalf("detach beside a running eu: %v\n%s", err, out)
	}
	c.usDetached = true
	for _, r := range []string{"eu", "sg"} {
		c.stop(r)
		out, err := runKurz(t, "region", "detach", "us", "--region", r, "--data", c.dirs[r])
		if err != nil {
			t.Fatalf("detach us from %s: %v\n%s", r, err, out)
		}
	}
	for _, r := range []string{"eu", "sg"} {
		c.start(r)
	}
	// The new us runs alone, on PostgreSQL, and serves its people: their
	// sessions came along (no forced sign-in this time).
	c.extra["us"] = []string{"--db", "us=" + dsn, "--key-db", "us=" + keysDSN, "--topology", "single", "--default-region", "us", "--directory", "us"}
	c.start("us")
	us := c.at("us")
	if r := us.do("GET", "/api/v1/me", nil, bearer(w.b)...); r.Status != 200 {
		t.Fatalf("bea's session at the new us on PostgreSQL: %d", r.Status)
	}
	if r := us.do("GET", "/api/v1/videos/"+w.v1, nil); r.Status != 200 {
		t.Fatalf("bea's video at the new us on PostgreSQL: %d", r.Status)
	}
	if body := string(us.do("GET", "/api/v1/me/notifications", nil, bearer(w.b)...).Body); !strings.Contains(body, "export_ready") {
		t.Fatalf("bea's notifications at the new us on PostgreSQL: %s", body)
	}
	if out, err := runKurz(t, "privacy", "verify-audit", "--region", "us", "--data", c.dirs["us"], "--db", "us="+dsn, "--key-db", "us="+keysDSN); err != nil ||
		!strings.Contains(out, "chain intact") {
		t.Fatalf("audit chain at the new us on PostgreSQL: %v %s", err, out)
	}

	eu, sg := c.at("eu"), c.at("sg")
	if r := eu.do("GET", "/api/v1/videos/"+w.v1, nil); r.Status == 200 {
		t.Fatal("eu still shows a video of us")
	}
	var v struct{ Comments int64 }
	sg.do("GET", "/api/v1/videos/"+w.dVideo, nil).json(t, &v)
	if v.Comments != 0 {
		t.Fatalf("dara's video keeps %d comments of us people", v.Comments)
	}
	// Byte scan: nothing of us in eu's or sg's files, keys folders too.
	for _, r := range []string{"eu", "sg"} {
		for _, dir := range []string{c.dirs[r], c.dirs[r] + "-keys"} {
			hits, err := leak.ScanDir(dir, append(w.usPublic, w.b.ID, w.v1)...)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) > 0 {
				t.Errorf("%s still holds us data after the detach: %v", r, hits)
			}
		}
	}
}

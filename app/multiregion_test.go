package app_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"kurz"
	"kurz/internal/leak"
	"kurz/internal/mediatest"
	"kurz/link"
)

// cluster is three real kurz processes, one region each, on loopback.
type cluster struct {
	t      *testing.T
	secret string
	addrs  map[string]string
	dirs   map[string]string
	procs  map[string]*process
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, addrs: map[string]string{}, dirs: map[string]string{}, procs: map[string]*process{}}
	c.secret = base64.StdEncoding.EncodeToString([]byte(canary("link-secret-for-tests-") + "0123456789abcdef"))
	for _, r := range []string{"eu", "us", "sg"} {
		c.addrs[r] = freeAddr(t)
		c.dirs[r] = t.TempDir()
	}
	for _, r := range []string{"eu", "us", "sg"} {
		c.start(r)
	}
	return c
}

func (c *cluster) start(region string) {
	// Secrets come from files, never the command line.
	args := []string{"--regions", region, "--data", c.dirs[region], "--directory", "eu",
		"--link-secret-file", secretFile(c.t, c.secret), "--trusted-proxy", "127.0.0.1/32", "--signups-per-ip", "1000"}
	for _, r := range []string{"eu", "us", "sg"} {
		if r != region {
			args = append(args, "--peer", r+"=http://"+c.addrs[r])
		}
	}
	// eu and us sign their link with a secret of their own pair.
	pair := secretFile(c.t, base64.StdEncoding.EncodeToString(euUSPairSecret))
	switch region {
	case "eu":
		args = append(args, "--peer-secret-file", "us="+pair)
	case "us":
		args = append(args, "--peer-secret-file", "eu="+pair)
	}
	c.procs[region] = startProcess(c.t, c.addrs[region], args...)
}

// euUSPairSecret is the secret of the eu-us pair in a cluster.
var euUSPairSecret = []byte("the eu-us pair's own link secret!")

// keys are the cluster's link keys, as its processes derive them.
func (c *cluster) keys() *link.Keys {
	return &link.Keys{Shared: mustB64(c.t, c.secret), Pairs: map[link.Pair][]byte{link.PairOf("eu", "us"): euUSPairSecret}}
}

// secretFile writes a secret into a file only its owner can read.
func secretFile(t *testing.T, secret string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// at returns a client for one region's door.
func (c *cluster) at(region string) *server {
	return &server{t: c.t, base: "http://" + c.addrs[region], logs: c.procs[region].logs}
}

func TestThreeRegions(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	eu, us, sg := c.at("eu"), c.at("us"), c.at("sg")

	// Sign-ups arrive at any door and land in the home region.
	creator := us.signUp("creator", "creator@example.com", "1990-01-01", "US")
	fanEmail := canary("fan.") + "@example.org"
	fanBirth := "1983-11-07"
	fan := sg.signUp("fan", fanEmail, fanBirth, "DE")
	viewer := sg.signUp("viewer", "viewer@example.sg", "1990-01-01", "SG")
	if creator.Region != "us" || fan.Region != "eu" || viewer.Region != "sg" {
		t.Fatalf("regions: %s %s %s", creator.Region, fan.Region, viewer.Region)
	}
	if r := eu.do("POST", "/api/v1/accounts", map[string]string{"handle": "FAN", "email": "x@example.org", "password": "a good long passphrase",
		"birth_date": "1990-01-01", "country": "US"}); r.Status != 409 {
		t.Fatalf("duplicate handle across processes: %d %s", r.Status, r.Body)
	}
	us.login(&creator)
	sg.login(&viewer)
	// The fan signs in at the us door by email: the door sends a keyed hash
	// around, never the email, and forwards the login to eu.
	fanIP := "198.51.100.23"
	r := us.do("POST", "/api/v1/sessions", map[string]string{"login": fanEmail, "password": fan.Password}, "X-Forwarded-For", fanIP)
	if r.Status != 201 {
		t.Fatalf("fan login at the us door: %d %s", r.Status, r.Body)
	}
	var sess struct{ Token string }
	r.json(t, &sess)
	fan.Token = sess.Token
	fanHdr := []string{"Authorization", "Bearer " + fan.Token, "X-Forwarded-For", fanIP}

	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 2, true)
	res := us.tusUpload(creator.Token, clip, map[string]string{"caption": "from the us #hello", "visibility": "public"}, 1, "")
	id := res.VideoID
	if v := us.waitVideo(creator.Token, id); v.Status != "ready" {
		t.Fatalf("video: %s %s", v.Status, v.Error)
	}

	// Personal data of the fan that must never leave eu: a private video's
	// caption, a draft's caption, email, birth date, IP.
	privateCaption := canary("private-caption-")
	draftCaption := canary("draft-caption-")
	pres := eu.tusUpload(fan.Token, clip, map[string]string{"caption": privateCaption, "visibility": "private"}, 1, "")
	if v := eu.waitVideo(fan.Token, pres.VideoID); v.Status != "ready" {
		t.Fatalf("fan's private video: %+v", v)
	}
	if r := us.do("POST", "/api/v1/uploads/", nil, append(fanHdr, "Tus-Resumable", "1.0.0", "Upload-Length", "1000",
		"Upload-Metadata", "caption "+base64.StdEncoding.EncodeToString([]byte(draftCaption)))...); r.Status != 201 {
		t.Fatalf("draft upload through the us door: %d %s", r.Status, r.Body)
	}

	// The fan acts on the creator's video through the eu door.
	waitFor(t, "the video at the eu door", func() bool { return eu.do("GET", "/api/v1/videos/"+id, nil).Status == 200 })
	// Search finds it at every door (each process's own index), and the
	// fan's search at the us door is answered by eu; its query, a canary,
	// is checked for below with the fan's personal data.
	for name, door := range map[string]*server{"eu": eu, "us": us, "sg": sg} {
		waitFor(t, "the video in "+name+"'s search", func() bool { return door.search("", "videos", "hellp").has(id) })
	}
	searchCanary := canary("zqsearch")
	if r := us.do("GET", "/api/v1/search?q="+searchCanary, nil, fanHdr...); r.Status != 200 {
		t.Fatalf("the fan's search at the us door: %d %s", r.Status, r.Body)
	}
	if p := us.search(fan.Token, "videos", "hello"); !p.has(id) {
		t.Fatalf("the fan's search at the us door: %+v", p)
	}
	for _, step := range []struct{ method, path string }{
		{"PUT", "/api/v1/users/creator/follow"}, {"PUT", "/api/v1/videos/" + id + "/like"}, {"POST", "/api/v1/videos/" + id + "/view"},
	} {
		if r := eu.do(step.method, step.path, nil, fanHdr...); r.Status >= 300 {
			t.Fatalf("%s %s: %d %s", step.method, step.path, r.Status, r.Body)
		}
	}
	if r := eu.do("POST", "/api/v1/videos/"+id+"/comments", map[string]string{"text": "hello from europe"}, fanHdr...); r.Status != 201 {
		t.Fatalf("comment: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the creator's counters in us", func() bool {
		cts := us.videoCounts(id)
		return cts.Likes == 1 && cts.Views == 1 && cts.Comments == 1
	})
	var following feedPage
	eu.do("GET", "/api/v1/feed?kind=following", nil, fanHdr...).json(t, &following)
	if len(following.Items) != 1 || following.Items[0].ID != id {
		t.Fatalf("fan's Following feed in eu: %+v", following)
	}
	var comments struct{ Items []struct{ ID, Text string } }
	sg.do("GET", "/api/v1/videos/"+id+"/comments", nil, "Authorization", "Bearer "+viewer.Token).json(t, &comments)
	if len(comments.Items) != 1 || comments.Items[0].Text != "hello from europe" {
		t.Fatalf("sg viewer's comments: %+v", comments)
	}
	// Threads across processes: the sg viewer answers the eu fan's comment
	// on the us video, the fan (told in eu) likes the answer, the us
	// creator pins the fan's comment; a person of another region cannot.
	top := comments.Items[0].ID
	r = sg.do("POST", "/api/v1/comments/"+top+"/replies", map[string]string{"text": "hello back from sg"}, "Authorization", "Bearer "+viewer.Token)
	if r.Status != 201 {
		t.Fatalf("reply at the sg door: %d %s", r.Status, r.Body)
	}
	var reply struct{ ID string }
	r.json(t, &reply)
	waitFor(t, "the fan's reply notification in eu", func() bool {
		return strings.Contains(string(eu.do("GET", "/api/v1/me/notifications", nil, fanHdr...).Body), "hello back from sg")
	})
	if r := eu.do("PUT", "/api/v1/comments/"+reply.ID+"/like", nil, fanHdr...); r.Status != 200 {
		t.Fatalf("the fan likes the reply: %d %s", r.Status, r.Body)
	}
	if r := sg.do("PUT", "/api/v1/comments/"+top+"/pin", nil, "Authorization", "Bearer "+viewer.Token); r.Status != 403 {
		t.Fatalf("an sg person pins on a us video: %d", r.Status)
	}
	if r := us.do("PUT", "/api/v1/comments/"+top+"/pin", nil, "Authorization", "Bearer "+creator.Token); r.Status != 200 {
		t.Fatalf("the creator pins: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the like and the pin, read at the sg door", func() bool {
		var th struct{ Items []struct{ Likes int64 } }
		sg.do("GET", "/api/v1/comments/"+top+"/replies", nil).json(t, &th)
		var l struct{ Items []struct{ Pinned bool } }
		sg.do("GET", "/api/v1/videos/"+id+"/comments", nil).json(t, &l)
		return len(th.Items) == 1 && th.Items[0].Likes == 1 && len(l.Items) == 1 && l.Items[0].Pinned
	})

	// Media through another region's edge: fetched once, then cached.
	if r := eu.do("GET", "/media/"+id+"/master.m3u8", nil); r.Status != 200 {
		t.Fatalf("media at the eu edge: %d", r.Status)
	}
	if _, err := os.Stat(filepath.Join(c.dirs["eu"], "eu", "edge", id, "master.m3u8")); err != nil {
		t.Fatalf("edge cache: %v", err)
	}
	if r := eu.do("GET", "/media/"+pres.VideoID+"/master.m3u8", nil); r.Status != 404 {
		t.Fatalf("private media without a token: %d", r.Status)
	}
	if r := us.do("GET", "/media/"+pres.VideoID+"/poster.jpg", nil); r.Status != 404 {
		t.Fatalf("private media at another region's edge: %d", r.Status)
	}

	// Residency: nothing personal of the fan anywhere in us or sg, on disk
	// or in their logs, in any common encoding.
	canaries := []string{fanEmail, fanBirth, strings.ReplaceAll(fanBirth, "-", ""), privateCaption, draftCaption, fanIP, searchCanary}
	for _, region := range []string{"us", "sg"} {
		hits, err := leak.ScanDir(c.dirs[region], canaries...)
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, leak.Find(region+" log", []byte(c.procs[region].logs.String()), canaries...)...)
		for _, h := range hits {
			t.Errorf("eu personal data outside eu: %s", h)
		}
	}
	// The query is stored nowhere at home either.
	hits, _ := leak.ScanDir(c.dirs["eu"], searchCanary)
	for _, h := range append(hits, leak.Find("eu log", []byte(c.procs["eu"].logs.String()), searchCanary)...) {
		t.Errorf("the search query in eu: %s", h)
	}
	// The scan is able to find them: the eu log holds nothing either, but the
	// forwarded draft's caption is in eu (sealed), and the public comment is
	// replicated to us.
	if hits, _ := leak.ScanDir(c.dirs["us"], "hello from europe"); len(hits) == 0 {
		t.Fatal("the public comment is not in us: the scan may be blind")
	}

	// A forged or replayed link request is refused.
	keys := c.keys()
	lc := &link.Client{From: "sg", Secrets: keys.Secrets(), Peers: map[kurz.Region]string{"us": "http://" + c.addrs["us"]}}
	locate := link.LocateEmailRequest{Locator: bytes.Repeat([]byte{1}, 32)}
	if _, err := lc.LocateEmail(t.Context(), "us", locate); err != nil {
		t.Fatalf("a valid link call: %v", err)
	}
	// eu's link to us uses the pair's secret: keys derived from the shared
	// one are refused there, and so is the wrong secret.
	shared := &link.Client{From: "eu", Secrets: (&link.Keys{Shared: mustB64(t, c.secret)}).Secrets(), Peers: lc.Peers}
	forged := &link.Client{From: "sg", Secrets: (&link.Keys{Shared: []byte("not the secret, not the secret!!")}).Secrets(), Peers: lc.Peers}
	for name, cl := range map[string]*link.Client{"eu->us with the shared secret instead of the pair's": shared, "a wrong secret": forged} {
		if _, err := cl.LocateEmail(t.Context(), "us", locate); !errors.Is(err, link.ErrBadAnswer) {
			t.Fatalf("%s: %v", name, err)
		}
		if status := signedStatus(t, cl, "us", "POST", "http://"+c.addrs["us"]+"/link/v1/emails/locate", `{"locator":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`); status != 401 {
			t.Fatalf("%s: %d", name, status)
		}
	}
	replay, _ := http.NewRequest("POST", "http://"+c.addrs["us"]+"/link/v1/emails/locate", strings.NewReader(`{"locator":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`))
	lc.Sign(replay, "us", []byte(`{"locator":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`))
	for i, want := range []int{200, 401} {
		again := replay.Clone(t.Context())
		again.Body = io.NopCloser(strings.NewReader(`{"locator":"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="}`))
		resp, err := http.DefaultClient.Do(again)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("link request sent %d times: %d, want %d", i+1, resp.StatusCode, want)
		}
	}

	// Kill sg during a burst of activity; after a restart its replicas
	// converge to the same counts and the same visible videos.
	var more []string
	for i := 0; i < 3; i++ {
		v := us.tusUpload(creator.Token, clip, map[string]string{"caption": fmt.Sprintf("burst %d #burst", i), "visibility": "public"}, 1, "")
		more = append(more, v.VideoID)
	}
	for _, v := range more {
		us.waitVideo(creator.Token, v)
	}
	for i, v := range more {
		eu.do("PUT", "/api/v1/videos/"+v+"/like", nil, fanHdr...)
		if i == 1 {
			c.procs["sg"].cmd.Process.Signal(syscall.SIGKILL)
			c.procs["sg"].cmd.Wait()
		}
		eu.do("POST", "/api/v1/videos/"+v+"/view", nil, fanHdr...)
	}
	c.start("sg")
	sg = c.at("sg")
	waitFor(t, "sg to converge", func() bool {
		var tagSG, tagUS feedPage
		sg.do("GET", "/api/v1/tags/burst/videos", nil).json(t, &tagSG)
		us.do("GET", "/api/v1/tags/burst/videos", nil).json(t, &tagUS)
		if len(tagSG.Items) != 3 || len(tagUS.Items) != 3 {
			return false
		}
		for _, v := range more {
			if sg.videoCounts(v) != us.videoCounts(v) || us.videoCounts(v).Likes != 1 || us.videoCounts(v).Views != 1 {
				return false
			}
		}
		return true
	})

	// A takedown by a us moderator travels the public log: eu and sg stop
	// showing the video (API, page, media through the edge cache).
	// The moderator of us lives in eu: their tools still work on us data in
	// us, reached through any door.
	mod := eu.signUp("usmoderator", "usmoderator@example.org", "1985-01-01", "DE")
	eu.login(&mod)
	waitFor(t, "the moderator's profile in us", func() bool { return us.do("GET", "/api/v1/users/usmoderator", nil).Status == 200 })
	if out, err := exec.Command(kurzBinary(t), "admin", "grant", "--data", c.dirs["us"], "--region", "us", "--handle", "usmoderator",
		"--role", "moderator").CombinedOutput(); err != nil {
		t.Fatalf("kurz admin grant: %v\n%s", err, out)
	}
	eu.enrolTOTP(&mod)                                                          // staff actions need a second factor
	if r := eu.do("GET", "/media/"+id+"/v0/index.m3u8", nil); r.Status != 200 { // warm the eu edge cache
		t.Fatalf("edge before the takedown: %d", r.Status)
	}
	if r := sg.do("GET", "/v/"+id, nil); r.Status != 200 || !strings.Contains(string(r.Body), "og:video") {
		t.Fatalf("the us video's page at the sg door: %d", r.Status)
	}
	if r := sg.do("POST", "/api/v1/reports", map[string]any{"target_type": "video", "target_id": id, "category": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
		"explanation": "reported from sg"}, "Authorization", "Bearer "+viewer.Token); r.Status != 201 {
		t.Fatalf("report at sg: %d %s", r.Status, r.Body)
	}
	items := eu.queue(mod, "us")
	if len(items) != 1 {
		t.Fatalf("us queue: %+v", items)
	}
	if r := sg.do("GET", "/api/v1/moderation/eu/queue", nil, "Authorization", "Bearer "+mod.Token); r.Status != 403 {
		t.Fatalf("a us moderator on the eu queue: %d", r.Status)
	}
	eu.do("POST", "/api/v1/moderation/us/items/"+items[0].ID+"/claim", nil, "Authorization", "Bearer "+mod.Token)
	start := time.Now()
	if r := sg.do("POST", "/api/v1/moderation/us/items/"+items[0].ID+"/decide", map[string]any{"action": "remove", "ground": "terms",
		"explanation": "scam"}, "Authorization", "Bearer "+mod.Token); r.Status != 201 {
		t.Fatalf("takedown: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the takedown to reach eu and sg", func() bool {
		for _, door := range []*server{eu, sg} {
			if door.do("GET", "/api/v1/videos/"+id, nil).Status != 404 || door.do("GET", "/v/"+id, nil).Status != 404 ||
				door.do("GET", "/media/"+id+"/v0/index.m3u8", nil).Status != 404 || door.search("", "videos", "hello").has(id) {
				return false
			}
		}
		return true
	})
	// The sg notifier gets the statement of reasons through their region.
	waitFor(t, "the statement at the sg notifier", func() bool { return len(sg.statements(viewer)) == 1 })
	t.Logf("takedown reached eu and sg (API, page, media and search) in %v", time.Since(start))
	// The catalogue drops the video a moment before the edge cache purges
	// it (nothing is served in between: the edge serves only what the
	// catalogue lists).
	waitFor(t, "the edge cache to drop the removed video", func() bool {
		_, err := os.Stat(filepath.Join(c.dirs["eu"], "eu", "edge", id))
		return os.IsNotExist(err)
	})

	// Link health: every peer up and caught up.
	waitFor(t, "eu to report its peers caught up", func() bool {
		var rg struct {
			Regions map[string]struct {
				Peers map[string]struct {
					Up        bool  `json:"up"`
					LagEvents int64 `json:"lag_events"`
				}
			}
		}
		eu.do("GET", "/api/v1/regions", nil).json(t, &rg)
		p := rg.Regions["eu"].Peers
		return p["us"].Up && p["sg"].Up && p["us"].LagEvents == 0 && p["sg"].LagEvents == 0
	})

	// With the handle directory (eu) down, sign-up elsewhere fails with 503
	// and creates nothing.
	c.procs["eu"].cmd.Process.Signal(syscall.SIGKILL)
	c.procs["eu"].cmd.Wait()
	r = us.do("POST", "/api/v1/accounts", map[string]string{"handle": "latecomer", "email": "late@example.com", "password": "a good long passphrase",
		"birth_date": "1990-01-01", "country": "US"})
	if r.Status != 503 || r.errorCode(t) != "unavailable" {
		t.Fatalf("sign-up without the directory: %d %s", r.Status, r.Body)
	}
	if hits, _ := leak.ScanDir(c.dirs["us"], "latecomer", "late@example.com"); len(hits) > 0 {
		t.Fatalf("a failed sign-up left traces: %v", hits)
	}
	// us keeps serving its own people and the replicas it has.
	if r := us.do("GET", "/api/v1/me", nil, "Authorization", "Bearer "+creator.Token); r.Status != 200 {
		t.Fatalf("us during the partition: %d", r.Status)
	}
	if r := us.do("GET", "/api/v1/users/fan", nil); r.Status != 200 {
		t.Fatalf("replicated eu profile during the partition: %d", r.Status)
	}
}

func mustB64(t *testing.T, s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedStatus sends a request signed by cl to region to and returns the
// status it gets.
func signedStatus(t *testing.T, cl *link.Client, to kurz.Region, method, url, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	cl.Sign(req, to, []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

package app_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kurz/blob"
	"kurz/cell"
	"kurz/internal/browsertest"
	"kurz/internal/mediatest"
	"kurz/sealedmedia"
)

// TestSealedVideoPlaysInBrowser: the owner signs in with chromium and
// plays their private video, whose files are sealed at rest, on its page
// (hls.js fetching playlists and segments with the media token).
func TestSealedVideoPlaysInBrowser(t *testing.T) {
	s := newServer(t)
	chrome := needBrowserE2E(t, s)
	base := s.URL()
	owner := s.signUp("sealed_viewer", "sealed-viewer@example.org", "1990-01-01", "DE")
	s.login(&owner)
	clip := filepath.Join(t.TempDir(), "clip.mp4")
	mediatest.Clip(t, clip, 360, 640, 4, true)
	up := s.tusUpload(owner.Token, clip, map[string]string{"caption": "only me #sealed", "visibility": "private"}, 1, "")
	if !up.Done {
		t.Fatalf("upload: %+v", up)
	}
	if v := s.waitVideo(owner.Token, up.VideoID); v.Status != "ready" || v.Visibility != "private" {
		t.Fatalf("video: %+v", v)
	}
	seg, err := blob.Read(t.Context(), &blob.Dir{Root: filepath.Join(s.Config.DataDir, "eu")}, cell.MediaKey(up.VideoID)+"/v0/seg_00000.ts")
	if err != nil || !bytes.HasPrefix(seg, []byte(sealedmedia.Magic)) {
		t.Fatalf("the segment on disk is not sealed: %v", err)
	}

	bctx := browsertest.Start(t, chrome, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()
	b := newTab(t, ctx)
	b.Do(chromedp.Navigate(base+"/signin?next=%2Fv%2F"+up.VideoID), chromedp.WaitVisible(chromedp.ID("signin-form")),
		chromedp.SendKeys(chromedp.ID("login"), owner.Email),
		chromedp.SendKeys(chromedp.ID("password"), owner.Password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)))
	b.Wait("the video page", `!!document.querySelector('.single .clip video')`,
		`location.pathname + ' ' + [...document.querySelectorAll('.form-error')].map(e => e.textContent).join('|')`, 20*time.Second)
	b.playing("the private sealed video on its page", ".single .clip video")
}

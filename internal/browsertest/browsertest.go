// Package browsertest drives the OS's chromium for tests, with chromedp:
// finding it (tests fail in CI and skip elsewhere when it is missing),
// starting it headless and without background networking, and tabs whose
// JavaScript dialogs (an alert from an injected payload) are recorded and
// dismissed.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Missing fails the test when CI is set and skips it otherwise: CI installs
// everything the browser tests need, a laptop may not have it.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Chromium returns the path of the OS's chromium.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	Missing(t, "chromium not installed (apt-get install chromium)")
	return ""
}

// Start launches headless chromium with a fresh profile and returns its
// browser context; it ends with the test.
func Start(t testing.TB, chrome string, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
	}, extra...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	return ctx
}

// Tab is one browser tab under test. Its actions fail the test.
type Tab struct {
	T   testing.TB
	Ctx context.Context

	mu      sync.Mutex
	dialogs []string
}

// NewTab sizes the tab of ctx and starts recording its dialogs.
func NewTab(t testing.TB, ctx context.Context, width, height int64) *Tab {
	t.Helper()
	b := &Tab{T: t, Ctx: ctx}
	// Start the target before subscribing to its events.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatal(err)
	}
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for e, err := range opening {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(e.Type)+": "+e.Message)
			b.mu.Unlock()
			go chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
				return err
			}))
		}
	}()
	return b
}

// Do runs actions.
func (b *Tab) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.T.Fatalf("%v (at %s)", err, b.Location())
	}
}

// Click clicks the element sel names once it is visible. A page that was
// just replaced can leave the browser's node IDs stale for a moment (the
// element is there, its old ID is not); such a click is tried again, as
// a person's click would simply land on the new page.
func (b *Tab) Click(sel string) {
	b.T.Helper()
	var err error
	for try := 0; try < 5; try++ {
		err = chromedp.Do(b.Ctx, chromedp.WaitVisible(sel), chromedp.Click(sel))
		if err == nil || !staleNode(err) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		b.T.Fatalf("click %s: %v (at %s)", sel, err, b.Location())
	}
}

// Location is the tab's URL.
func (b *Tab) Location() string {
	loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
	return loc
}

// Eval evaluates JavaScript.
func (b *Tab) Eval(expr string) any {
	b.T.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.T.Fatalf("%s: %v", expr, err)
	}
	return v
}

// Str evaluates JavaScript to a string ("" for anything else).
func (b *Tab) Str(expr string) string {
	b.T.Helper()
	s, _ := b.Eval(expr).(string)
	return s
}

// Text is the text of the first element matching a CSS selector.
func (b *Tab) Text(sel string) string {
	b.T.Helper()
	var v string
	var err error
	for try := 0; try < 5; try++ {
		if v, err = chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel))); err == nil || !staleNode(err) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		b.T.Fatalf("%s: %v", sel, err)
	}
	return v
}

// staleNode reports whether err is the browser's answer to a node ID
// from the page before a navigation (its elements have new IDs).
func staleNode(err error) bool {
	return strings.Contains(err.Error(), "Could not find node") || strings.Contains(err.Error(), "No node with given id")
}

// Wait polls a JavaScript condition until it holds. Errors while polling
// (a page being replaced) count as "not yet"; diag is evaluated for the
// failure message.
func (b *Tab) Wait(what, cond, diag string, timeout time.Duration) {
	b.T.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			d := ""
			if diag != "" {
				v, derr := chromedp.Run(b.Ctx, chromedp.Evaluate[any](diag))
				d = fmt.Sprintf("%v %v", v, derr)
			}
			b.T.Fatalf("timed out after %v waiting for %s at %s (%v) %s", timeout, what, b.Location(), err, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// NoDialogs fails the test if any JavaScript dialog opened so far.
func (b *Tab) NoDialogs(where string) {
	b.T.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.T.Errorf("%s: JavaScript dialogs opened: %q", where, b.dialogs)
	}
}

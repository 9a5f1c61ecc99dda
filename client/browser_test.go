package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserWait bounds every wait for a condition in a page.
const browserWait = 15 * time.Second

// browserPath returns the Chromium to drive: $CHAT_BROWSER, else
// /usr/bin/chromium. A missing browser skips the test, or fails it when
// CHAT_REQUIRE_BROWSER=1.
func browserPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHAT_BROWSER")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		skipOrFail(t, "no browser at %s (set CHAT_BROWSER, or apt-get install chromium): %v", p, err)
	}
	return p
}

// screenshotDir is where the tests save screenshots: $CHAT_SCREENSHOTS, else
// screenshots/ at the repository root.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CHAT_SCREENSHOTS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot folder: %v", err)
	}
	return dir
}

// repoRoot finds the folder of go.mod above the test's folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// page is one tab. openPage gives each page a browser of its own (own
// process, own empty profile), so that two pages share no storage; newTab
// opens another tab of the same browser.
type page struct {
	t     *testing.T
	name  string
	ctx   context.Context
	shots string

	mu     sync.Mutex
	errors []string // uncaught exceptions, console errors, Content-Security-Policy reports
}

// openPage starts a browser with a window of width x height.
func openPage(t *testing.T, name string, width, height int) *page {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browserPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Two browsers run at once: neither may throttle its timers.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	p := &page{t: t, name: name, ctx: ctx, shots: screenshotDir(t)}
	// The first run starts the browser and binds it to ctx: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: start browser: %v", name, err)
	}
	if err := chromedp.Listen(ctx, p.watch); err != nil {
		t.Fatalf("%s: listen: %v", name, err)
	}
	t.Cleanup(p.reportErrors)
	return p
}

// newTab opens another tab of p's browser, in the same browser context: it
// shares p's localStorage and cookies, and has its own sessionStorage, as a
// tab or window a person opens does. It gets a window of its own, so that
// neither tab is hidden (a hidden tab gets no animation frames).
func (p *page) newTab(name string) *page {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.ctx)
	p.t.Cleanup(cancel)
	tab := &page{t: p.t, name: name, ctx: ctx, shots: p.shots}
	if err := chromedp.Listen(ctx, tab.watch); err != nil {
		p.t.Fatalf("%s: open a tab: %v", name, err)
	}
	p.t.Cleanup(tab.reportErrors)
	return tab
}

// do runs actions, failing the test on an error.
func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value into T.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor waits until a JavaScript expression is truthy: the page's state,
// not a guess of how long it takes.
func (p *page) waitFor(what, expr string) {
	p.t.Helper()
	p.waitForWithin(what, expr, browserWait)
}

// waitForWithin is waitFor for what may take longer than browserWait (a
// server noticing a fault, then a reconnection after its backoff).
func (p *page) waitForWithin(what, expr string, d time.Duration) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d+time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(d)))
	if err != nil {
		p.fail("waiting for %s: %v", what, err)
	}
}

// fail saves a screenshot and what the page shows, then fails the test.
func (p *page) fail(format string, args ...any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(p.shots, "FAILED-"+p.name+".png"), png, 0o644)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	p.t.Fatalf("%s: "+format+"\npage text:\n%s", append(append([]any{p.name}, args...), text)...)
}

// screenshot saves the viewport as <name>.png.
func (p *page) screenshot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.fail("screenshot %s: %v", name, err)
	}
	path := filepath.Join(p.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatalf("save screenshot: %v", err)
	}
	p.t.Logf("screenshot %s", path)
}

// emulateDark makes prefers-color-scheme match dark (or no override).
func (p *page) emulateDark(dark bool) {
	p.t.Helper()
	params := emulation.SetEmulatedMediaParams{}
	if dark {
		params.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}
	}
	ctx, cancel := context.WithTimeout(p.ctx, browserWait)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, params); err != nil {
		p.fail("emulate dark mode: %v", err)
	}
}

// accessible returns the role, the accessible name and the description of
// the element with an id, as Chromium computes them for assistive
// technology.
func (p *page) accessible(id string) (role, name, description string) {
	p.t.Helper()
	text := func(v *accessibility.Value) string {
		var s string
		if v != nil {
			_ = json.Unmarshal(v.Value, &s)
		}
		return s
	}
	p.do("read the accessibility of #"+id, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		ev, err := cdp.Call(ctx, t, runtime.Evaluate, runtime.EvaluateParams{Expression: `document.getElementById(` + js(id) + `)`})
		if err != nil {
			return err
		}
		if ev.ExceptionDetails != nil || ev.Result == nil || ev.Result.ObjectID == "" {
			return fmt.Errorf("no element #%s", id)
		}
		fetchRelatives := false
		tree, err := cdp.Call(ctx, t, accessibility.GetPartialAXTree, accessibility.GetPartialAXTreeParams{ObjectID: ev.Result.ObjectID, FetchRelatives: &fetchRelatives})
		if err != nil {
			return err
		}
		if len(tree.Nodes) == 0 || tree.Nodes[0].Ignored {
			return fmt.Errorf("#%s is not in the accessibility tree", id)
		}
		n := tree.Nodes[0]
		role, name, description = text(n.Role), text(n.Name), text(n.Description)
		return nil
	}))
	return role, name, description
}

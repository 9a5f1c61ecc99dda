package client_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/redischat/chat/chatcore"
	"github.com/redischat/chat/internal/chattest"
)

// recordViolations makes every document of p keep the page's
// securitypolicyviolation events in window.cspViolations, from before its
// first script runs (a script the browser evaluates on its own, which the
// page's policy does not govern).
func (p *page) recordViolations() {
	p.t.Helper()
	const src = `window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`
	p.do("record CSP violations", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: src})
		return err
	}))
}

// TestBrowserUnderCSP runs the client under the server's own
// Content-Security-Policy: create an account, sign out, mistype the name
// on Sign in (a clear error, and no account made, although the server
// creates unknown names on signIn by default), sign in, send a message and
// see it, all without one violation. Then it checks that the policy is
// enforced and watched: a style attribute and an HTML string, written on
// purpose, are refused and reported.
func TestBrowserUnderCSP(t *testing.T) {
	browserPath(t)
	cfg := chattest.Config(t)
	if !cfg.SignInCreatesUsers {
		t.Fatal("the default must create users on signIn: that is what Sign in has to avoid")
	}
	srv := chattest.Start(t, cfg)
	base := srv.URL() + "/"
	resp, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Fatalf("the page's policy is %q: the test would prove nothing", csp)
	}
	p := openPage(t, "csp", 1180, 760)
	p.recordViolations()
	p.do("open the page", chromedp.Navigate(base))
	p.waitFor("the sign-in form", `!document.getElementById('auth-screen').hidden`)
	p.signUp("Alice", "alice-password")
	p.do("sign out", chromedp.Click(chromedp.ID("sign-out")))
	p.waitFor("the form", `!document.getElementById('auth-screen').hidden`)

	p.authenticate("sign-in", "Alcie", "alice-password")
	p.authError("Wrong username or password")
	p.waitFor("still the form", `document.getElementById('chat-screen').hidden`)
	if n, err := chatcore.NewStore(chattest.Client(t, cfg), cfg).UserCount(context.Background()); err != nil || n != 1 {
		t.Fatalf("%d users after a mistyped sign-in (%v), want only Alice: Sign in created one", n, err)
	}

	p.authenticate("sign-in", "Alice", "alice-password")
	p.waitFor("the chat as Alice", `!document.getElementById('chat-screen').hidden && document.getElementById('me-name').textContent === 'Alice'`)
	p.send("Hello under a strict policy")
	p.waitMessage("Hello under a strict policy")
	p.waitFor("the logo's symbols styled from style.css", `getComputedStyle(document.querySelector('svg.symbols')).position === 'absolute'`)
	if v := eval[[]string](p, `window.cspViolations`); len(v) != 0 {
		t.Fatalf("the client violated its policy: %q", v)
	}
	if errs := p.takeErrors(); len(errs) != 0 {
		t.Fatalf("the page reported: %q", errs)
	}

	// Enforced, and seen by both watches.
	p.do("write a style attribute", chromedp.Evaluate[chromedp.Void](`document.body.setAttribute('style', 'outline: 7px solid red')`))
	refused := eval[string](p, `(() => { try { document.body.insertAdjacentHTML('beforeend', '<b id="html-string">x</b>'); return 'inserted'; } catch (e) { return e.name; } })()`)
	if refused != "TypeError" {
		t.Fatalf("an HTML string: %s, want a TypeError from Trusted Types", refused)
	}
	p.waitFor("both refusals reported in the page",
		`window.cspViolations.some(v => v.startsWith('style-src-attr')) && window.cspViolations.some(v => v.startsWith('require-trusted-types-for'))`)
	p.waitFor("the style not applied", `getComputedStyle(document.body).outlineWidth !== '7px' && !document.getElementById('html-string')`)
	errs := p.takeErrors()
	if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, "CSP: ") }) {
		t.Fatalf("the browser's reports of the refusals did not reach the test's watch: %q", errs)
	}
}

// TestBrowserSignInThrottled: a form request answered 429 shows a clear
// message on the form and leaves it usable.
func TestBrowserSignInThrottled(t *testing.T) {
	browserPath(t)
	cfg := chattest.Config(t)
	cfg.RateLimit = 0.001 // no refill within the test
	cfg.RateBurst = 2
	srv := chattest.Start(t, cfg)
	p := openPage(t, "throttled", 1180, 760)
	p.do("open the page", chromedp.Navigate(srv.URL()+"/"))
	for range cfg.RateBurst {
		p.authenticate("sign-in", "Nobody", "some-password")
		p.authError("Wrong username or password")
	}
	p.authenticate("sign-in", "Nobody", "some-password")
	p.authError("Too many attempts. Wait a moment, then try again.")
	p.waitFor("the form's buttons enabled", `!document.getElementById('sign-up').disabled`)
}

package client_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/redischat/chat/internal/chattest"
)

// TestBrowserTabs opens two tabs of one browser, which share localStorage,
// as a person trying the chat alone does: the second tab offers to continue
// the first tab's session, but a different user signs up there instead.
// The two then chat in General, each tab keeps its own user across a reload,
// and a third tab continues the last session with the keyboard alone.
func TestBrowserTabs(t *testing.T) {
	browserPath(t)
	started := time.Now()
	srv := chattest.Start(t, chattest.Config(t))
	base := srv.URL() + "/"

	first := openPage(t, "first-tab", 1180, 760)
	first.do("open the page", chromedp.Navigate(base))
	first.signUp("Alice", "alice-password")

	// A second tab of the same browser has no session of its own: it shows
	// the form, with the choice to continue as Alice, focused.
	second := first.newTab("second-tab")
	second.do("open the page", chromedp.Navigate(base))
	second.waitFor("the form offering to continue as Alice", `!document.getElementById('auth-screen').hidden && document.getElementById('chat-screen').hidden`+
		` && !document.getElementById('resume').hidden && document.activeElement?.id === 'continue-as'`)
	if role, name, desc := second.accessible("continue-as"); role != "button" || name != "Continue as Alice" || !strings.Contains(desc, "last signed in") {
		t.Fatalf("the choice is a %q named %q described %q, want a button named \"Continue as Alice\" that says it is the last session", role, name, desc)
	}
	second.screenshot("12-second-tab-continue-as")

	// Bob signs up there instead: a session of its own, the new last one.
	second.signUp("Bob", "bob-password")
	second.waitFor("Bob's session in the tab and as the last one",
		`JSON.parse(sessionStorage.getItem('chat.session')).username === 'Bob' && JSON.parse(localStorage.getItem('chat.lastSession')).username === 'Bob'`)
	first.waitFor("the first tab still Alice", `document.getElementById('me-name').textContent === 'Alice' && JSON.parse(sessionStorage.getItem('chat.session')).username === 'Alice'`)
	first.waitFor("Bob online", `!!`+channelJS("Bob")+`?.querySelector('.dot.online')`)
	second.waitFor("Alice online", `!!`+channelJS("Alice")+`?.querySelector('.dot.online')`)

	// They chat in General, each message shown once in each tab.
	const fromAlice = "Hi Bob, from the first tab."
	const fromBob = "Hello Alice, from the second tab!"
	first.send(fromAlice)
	second.waitMessage(fromAlice)
	first.waitMessage(fromAlice)
	second.send(fromBob)
	first.waitMessage(fromBob)
	second.waitMessage(fromBob)
	first.waitFor("Bob's message from Bob", `(`+messagesJS(fromBob)+`)[0].querySelector('.sender')?.textContent === 'Bob'`)
	second.waitFor("Alice's message from Alice", `(`+messagesJS(fromAlice)+`)[0].querySelector('.sender')?.textContent === 'Alice'`)

	// A reload keeps each tab's own user.
	for _, tab := range []struct {
		p    *page
		user string
	}{{first, "Alice"}, {second, "Bob"}} {
		tab.p.do("reload", chromedp.Reload())
		tab.p.waitFor(tab.user+" again without signing in", `document.getElementById('auth-screen').hidden && document.getElementById('me-name').textContent === `+js(tab.user)+` && document.getElementById('banner').hidden`)
		tab.p.waitMessage(fromAlice)
		tab.p.waitMessage(fromBob)
	}

	// A third tab offers the last session, Bob's; Enter continues it.
	third := first.newTab("third-tab")
	third.do("open the page", chromedp.Navigate(base))
	third.waitFor("the form offering to continue as Bob", `!document.getElementById('resume').hidden && document.getElementById('continue-label').textContent === 'Continue as Bob' && document.activeElement?.id === 'continue-as'`)
	third.do("continue with the keyboard", chromedp.KeyEvent(kb.Enter))
	third.waitFor("the chat as Bob", `document.getElementById('auth-screen').hidden && document.getElementById('me-name').textContent === 'Bob'`)
	third.waitMessage(fromAlice)
	third.waitFor("the session adopted by the tab", `JSON.parse(sessionStorage.getItem('chat.session')).username === 'Bob'`)
	first.waitFor("the first tab still Alice", `document.getElementById('me-name').textContent === 'Alice'`)
	t.Logf("total %s", time.Since(started).Round(time.Millisecond))
}

package client_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redischat/chat/internal/chattest"
	"github.com/redischat/chat/internal/faulttest"
)

// resetWait bounds how long the page may take to learn that Redis lost its
// data: the server notices (its pub/sub link comes back, or its position
// check), closes the socket with 1012, and the page reconnects after its
// jittered backoff.
const resetWait = 45 * time.Second

// TestBrowserDataReset is the browser's side of fault test 2 (issue 7): the
// chat's Redis, run by the test without persistence, goes down under a
// signed-in page and comes back empty. A message sent meanwhile is answered
// 503 with its clientID and waits, retrying. Then the page tells the person
// in plain words that the server lost its data and that they must create
// their account again (not "your session has ended"), with their name
// filled in. After they do, the old messages are gone, the message typed
// during the outage is there once (stored, or marked not sent with the
// reason: never dropped silently), and the chat works.
func TestBrowserDataReset(t *testing.T) {
	browserPath(t)
	rds := faulttest.StartRedis(t, faulttest.RedisOptions{})
	cfg := chattest.Config(t)
	cfg.RedisURL = rds.URL()
	cfg.PositionCheck = time.Second
	srv := chattest.Start(t, cfg)

	p := openPage(t, "data-reset", 1180, 760)
	p.do("open the page", chromedp.Navigate(srv.URL()+"/"))
	p.signUp("Alice", "alice-password")
	const before = "Written before Redis lost its data."
	p.send(before)
	p.waitMessage(before)
	const epochJS = `JSON.parse(sessionStorage.getItem('chat.session') || '{}').dataEpoch || ''`
	p.waitFor("the data epoch kept with the session", `!!(`+epochJS+`)`)
	oldEpoch := eval[string](p, epochJS)

	// Redis goes away: the send is answered 503 and waits for a retry.
	rds.Kill()
	down := time.Now()
	const queued = "Typed while the chat's storage was down."
	p.send(queued)
	p.waitFor("the message waiting for a retry", `(l => l.length === 1 && l[0].classList.contains('pending')`+
		` && (l[0].querySelector('.state')?.textContent ?? '').includes('retrying'))(`+messagesJS(queued)+`)`)
	t.Logf("503 for the send shown %s after Redis went down", time.Since(down).Round(time.Millisecond))
	p.screenshot("13-storage-down")

	// Redis comes back without its data.
	rds.Start()
	back := time.Now()
	p.waitForWithin("the page saying that the data is lost",
		`!document.getElementById('auth-screen').hidden && document.getElementById('auth-error').textContent.startsWith('The chat server lost its data')`, resetWait)
	t.Logf("the page told the person %s after Redis came back empty", time.Since(back).Round(time.Millisecond))
	said := eval[string](p, `document.getElementById('auth-error').textContent`)
	if !strings.Contains(said, "please create your account again") || strings.Contains(said, "session has ended") {
		t.Fatalf("the page says %q", said)
	}
	p.waitFor("the name filled in and the old session forgotten",
		`document.getElementById('username').value === 'Alice' && sessionStorage.getItem('chat.session') === null`)
	p.screenshot("14-data-lost")

	// The person creates the account again.
	p.signUp("Alice", "alice-new-password")
	p.waitFor("the queued message once, stored or marked not sent with the reason", `(l => l.length === 1 && (!!l[0].dataset.offset`+
		` || (l[0].querySelector('.failure')?.textContent ?? '').includes('lost its data')))(`+messagesJS(queued)+`)`)
	p.waitFor("the old data's message gone", `(`+messagesJS(before)+`).length === 0`)
	if stored := eval[bool](p, `!!(`+messagesJS(queued)+`)[0].dataset.offset`); stored {
		t.Logf("the queued message reached the new data before the reset was noticed")
	} else {
		t.Logf("the queued message is shown as not sent, with the reason")
		p.screenshot("15-kept-not-sent")
	}
	if newEpoch := eval[string](p, epochJS); newEpoch == "" || newEpoch == oldEpoch {
		t.Fatalf("the new session's data epoch is %q, the old one was %q", newEpoch, oldEpoch)
	}
	const after = "Back again, with a new account."
	p.send(after)
	p.waitMessage(after)
}

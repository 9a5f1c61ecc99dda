package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/redischat/chat/client"
	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// TestBrowserChat drives two independent Chromium browsers against a real
// server and Redis: sign-in errors, sign up, presence, messages in General
// (multi-line, HTML shown as text), typing, a private channel with an unread
// count, then a server restart on the same port during which a third client
// (on a second instance) posts and Alice types: both browsers reconnect,
// show the missed message, and Alice's offline message is stored and shown
// once.
func TestBrowserChat(t *testing.T) {
	browserPath(t)
	started := time.Now()
	cfg := chattest.Config(t)
	srv := chattest.Start(t, cfg)
	base := srv.URL() + "/"

	alice := openPage(t, "alice", 1180, 760)
	bob := openPage(t, "bob", 1180, 760)
	alice.do("open the page", chromedp.Navigate(base))
	bob.do("open the page", chromedp.Navigate(base))

	// The form, and its errors.
	alice.waitFor("the sign-in form", `!document.getElementById('auth-screen').hidden && document.activeElement?.id === 'username'`)
	alice.screenshot("01-sign-in")
	alice.signUp("Alice", "alice-password")

	bob.authenticate("sign-up", "alice", "whatever")
	bob.authError("That username is taken")
	bob.authenticate("sign-in", "Alice", "not-her-password")
	bob.authError("Wrong username or password")
	bob.authenticate("sign-up", strings.Repeat("b", 33), "pw")
	bob.authError("Username is longer than 32 characters")
	bob.waitFor("the username marked invalid", `document.getElementById('username').getAttribute('aria-invalid') === 'true'`)
	bob.screenshot("02-sign-in-error")
	bob.signUp("Bob", "bob-password")

	// Each sees the other online; Bob appeared on Alice's page without a reload.
	alice.waitFor("Bob online", `!!`+channelJS("Bob")+`?.querySelector('.dot.online')`)
	bob.waitFor("Alice online", `!!`+channelJS("Alice")+`?.querySelector('.dot.online')`)
	bob.waitFor("General first in the list", `document.querySelector('#channel-list button')?.dataset.name === 'General'`)

	// General: messages both ways, shown once, own ones apart.
	alice.send("Hello everyone! Anyone around?")
	bob.waitMessage("Hello everyone! Anyone around?")
	alice.waitMessage("Hello everyone! Anyone around?")
	alice.waitFor("own message marked own", `(`+messagesJS("Hello everyone! Anyone around?")+`)[0].classList.contains('own')`)
	bob.waitFor("Alice's message not own, with her name", `(l => !l[0].classList.contains('own') && l[0].querySelector('.sender').textContent === 'Alice')(`+messagesJS("Hello everyone! Anyone around?")+`)`)

	bob.send("Hi Alice!\nShift+Enter makes a new line.")
	alice.waitMessage("Hi Alice!\nShift+Enter makes a new line.")

	const markup = `<img src=x onerror="window.pwned=1"><b>not bold</b>`
	alice.send(markup)
	bob.waitMessage(markup)
	bob.waitFor("markup shown as text", `!document.querySelector('#message-list img, #message-list .text b') && window.pwned === undefined`)

	// Typing.
	bob.do("type without sending", chromedp.SendKeys(chromedp.ID("message-input"), "Let me think"))
	alice.waitFor("Bob typing", `document.getElementById('typing').textContent === 'Bob is typing…'`)
	bob.do("clear the box", clearInput("message-input"))
	alice.screenshot("03-general")

	// A private channel: live for the recipient, and unread while elsewhere.
	alice.openChannel("Bob")
	alice.send("Psst, Bob: this one is just for you.")
	alice.waitMessage("Psst, Bob: this one is just for you.")
	bob.waitFor("an unread count on Alice", `(b => b?.querySelector('.badge:not([hidden])')?.textContent === '1')(`+channelJS("Alice")+`)`)
	bob.waitFor("the private message not in General", `(`+messagesJS("Psst, Bob: this one is just for you.")+`).length === 0`)
	bob.screenshot("04-unread")
	alice.screenshot("05-private")

	// Bob opens it with the keyboard alone.
	bob.do("open Alice's channel with the keyboard",
		chromedp.Focus(chromedp.CSS(`#channel-list button[data-name="Alice"]`)),
		chromedp.KeyEvent(kb.Enter))
	bob.waitOpen("Alice")
	bob.waitMessage("Psst, Bob: this one is just for you.")
	bob.waitFor("the unread count cleared", `!!`+channelJS("Alice")+`?.querySelector('.badge[hidden]')`)
	bob.send("Got it, thanks!")
	alice.waitMessage("Got it, thanks!")
	bob.openChannel("General")
	alice.openChannel("General")
	t.Logf("chat part done after %s", time.Since(started).Round(time.Millisecond))

	// A second instance on the same Redis stays up, for Carol.
	other := chattest.Start(t, cfg)
	carol := chattest.Dial(t, other.URL())
	carol.SignUp("Carol")
	carol.Send("channelJoin", map[string]any{"recipientUUID": ""})
	carol.Expect("channelJoin", "sys")
	alice.waitFor("Carol online", `!!`+channelJS("Carol")+`?.querySelector('.dot.online')`)

	// The server restarts on the same port.
	addr := srv.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	down := time.Now()
	for _, p := range []*page{alice, bob} {
		p.waitFor("the reconnecting banner", `!document.getElementById('banner').hidden && document.getElementById('banner-text').textContent.includes('Reconnecting')`)
	}
	const offline = "I typed this while the server was down."
	alice.send(offline)
	alice.waitFor("the offline message pending", `(l => l.length === 1 && l[0].classList.contains('pending'))(`+messagesJS(offline)+`)`)
	alice.waitFor("the banner faded in", `getComputedStyle(document.getElementById('banner')).opacity === '1'`)
	alice.screenshot("06-reconnecting")

	const missed = "Carol here: did you miss me?"
	carol.Send("channelMessage", map[string]any{"recipientUUID": "", "message": missed, "clientID": "carol-1"})
	carol.Expect("channelMessage", "sys", "typing")

	restarted, err := app.Start(context.Background(), cfg, chattest.Logger(t), client.FS, addr)
	if err != nil {
		t.Fatalf("restart on %s: %v", addr, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = restarted.Shutdown(ctx)
	})
	for _, p := range []*page{alice, bob} {
		p.waitFor("the banner gone", `document.getElementById('banner').hidden`)
		p.waitMessage(missed)
		p.waitMessage(offline)
		p.waitMessage("Hello everyone! Anyone around?")
	}
	t.Logf("both pages recovered %s after the server went down", time.Since(down).Round(time.Millisecond))
	alice.screenshot("07-after-reconnect")

	// Carol, who stayed connected, got Alice's offline message once, and the
	// channel holds it once.
	f := carol.Expect("channelMessage", "sys", "typing")
	var got struct{ Message string }
	f.Payload(t, &got)
	if got.Message != offline {
		t.Fatalf("Carol got %q, want %q", got.Message, offline)
	}
	carol.Send("channelHistory", map[string]any{"recipientUUID": "", "limit": 100})
	var hist struct {
		Messages []struct{ Message, ClientID string }
	}
	carol.Expect("channelHistory", "sys", "typing", "channelMessage").Payload(t, &hist)
	if n := countText(hist.Messages, offline); n != 1 {
		t.Fatalf("the offline message is stored %d times, want once", n)
	}
	t.Logf("total %s", time.Since(started).Round(time.Millisecond))
}

// countText counts the messages with text.
func countText(msgs []struct{ Message, ClientID string }, text string) int {
	n := 0
	for _, m := range msgs {
		if m.Message == text {
			n++
		}
	}
	return n
}

// TestBrowserHistoryPhone uses a 360 px wide phone screen: older history
// loads when scrolling up and keeps the reader's place, new messages then
// offer a jump (counting them) instead of moving the reader, the channel list is a drawer,
// nothing overflows sideways, a reload resumes the session from
// localStorage, dark mode follows prefers-color-scheme, and signing out
// forgets the session.
func TestBrowserHistoryPhone(t *testing.T) {
	browserPath(t)
	cfg := chattest.Config(t)
	cfg.HistoryLimit = 10
	srv := chattest.Start(t, cfg)

	// An archive of 30 messages, posted over HTTP.
	poster := chattest.Dial(t, srv.URL())
	auth := poster.SignUp("Archivist")
	for i := 1; i <= 30; i++ {
		postMessage(t, srv.URL(), auth.AccessKey, fmt.Sprintf("Archive message %d\nwith a second line", i))
	}

	p := openPage(t, "phone", 360, 740)
	p.do("phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2)), chromedp.Navigate(srv.URL()+"/"))
	p.screenshot("08-phone-sign-in")
	p.signUp("Dana", "dana-password")
	p.waitMessage("Archive message 30\nwith a second line")
	p.waitFor("only the latest page", `(`+messagesJS("Archive message 20\nwith a second line")+`).length === 0 && document.querySelectorAll('#message-list li.msg').length === 10`)
	p.waitFor("no sideways scrolling", `document.documentElement.scrollWidth <= 360`)
	p.screenshot("09-phone-chat")

	// Scrolling to the top loads the older messages (channelHistory) and
	// keeps the reader's place.
	p.do("scroll up", chromedp.Evaluate[chromedp.Void](`document.getElementById('messages').scrollTop = 0`))
	p.waitMessage("Archive message 1\nwith a second line")
	p.waitFor("the whole archive, in order", `(() => {
		const offs = [...document.querySelectorAll('#message-list li.msg')].map(li => +li.dataset.offset);
		return offs.length === 30 && offs.every((o, i) => o === i + 1);
	})()`)
	p.waitFor("the start of the channel", `document.getElementById('history-start').textContent.startsWith('This is the start of General')`)
	p.waitFor("the reader's place kept", `document.getElementById('messages').scrollTop > 0`)
	p.waitFor("no more to load", `document.getElementById('load-older').hidden`)

	// A new message while reading old ones does not move the reader: a
	// button offers to jump to it.
	postMessage(t, srv.URL(), auth.AccessKey, "Fresh news while you read the archive")
	p.waitMessage("Fresh news while you read the archive")
	p.waitFor("the jump button, counting", `!document.getElementById('jump').hidden && document.getElementById('jump').textContent === '1 new message ↓' && (m => m.scrollHeight - m.scrollTop - m.clientHeight > 200)(document.getElementById('messages'))`)
	postMessage(t, srv.URL(), auth.AccessKey, "And more news")
	p.waitMessage("And more news")
	p.waitFor("the jump button counting two", `document.getElementById('jump').textContent === '2 new messages ↓'`)
	p.do("jump", chromedp.Click(chromedp.ID("jump")))
	p.waitFor("at the bottom", `document.getElementById('jump').hidden && (m => m.scrollHeight - m.scrollTop - m.clientHeight < 5)(document.getElementById('messages'))`)

	// The channel list is a drawer on a phone.
	p.waitFor("the list hidden", `getComputedStyle(document.getElementById('sidebar')).visibility === 'hidden'`)
	p.openDrawer()
	p.screenshot("10-phone-channels")
	p.do("close the drawer", chromedp.KeyEvent(kb.Escape))
	p.waitFor("the drawer closed", `!document.getElementById('sidebar').classList.contains('open')`)

	// A reload resumes with the access key.
	p.do("reload", chromedp.Reload())
	p.waitFor("the chat without signing in", `document.getElementById('auth-screen').hidden && document.getElementById('me-name').textContent === 'Dana' && document.getElementById('banner').hidden`)
	p.waitMessage("Archive message 30\nwith a second line")

	// Dark mode.
	p.emulateDark(true)
	p.waitFor("dark colours", `getComputedStyle(document.body).backgroundColor === 'rgb(21, 23, 28)'`)
	p.screenshot("11-phone-dark")
	p.emulateDark(false)

	// Signing out forgets the session, also across a reload.
	p.openDrawer()
	p.do("sign out", chromedp.Click(chromedp.ID("sign-out")))
	p.waitFor("the form", `!document.getElementById('auth-screen').hidden && sessionStorage.getItem('chat.session') === null && localStorage.getItem('chat.lastSession') === null`)
	p.do("reload", chromedp.Reload())
	p.waitFor("the form after a reload", `!document.getElementById('auth-screen').hidden && document.getElementById('chat-screen').hidden && document.getElementById('resume').hidden`)
}

// openDrawer opens the channel drawer of a narrow screen and waits for its
// slide to end.
func (p *page) openDrawer() {
	p.t.Helper()
	p.do("open the drawer", chromedp.Click(chromedp.ID("show-channels")))
	p.waitFor("the drawer open", `getComputedStyle(document.getElementById('sidebar')).visibility === 'visible' && document.getElementById('sidebar').getBoundingClientRect().left === 0`)
}

// postMessage posts to the general channel with the HTTP function.
func postMessage(t *testing.T, base, key, text string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"recipientUUID": "", "message": text})
	req, err := http.NewRequest(http.MethodPost, base+"/channelMessage", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /channelMessage: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /channelMessage: %s", resp.Status)
	}
}

package client_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/redischat/chat/internal/chattest"
)

// TestBrowserUnread is issue 11's "sees exactly what they missed": Alice
// reads General and her private channel with Bob (a websocket client) in
// page A, which then goes away (another address in the tab) while Bob
// writes in both. Back in the tab, the reload reopens Bob's channel with the
// "New since you left" divider after the last message she saw, and General
// has a badge of 2 and the title counts it. Then Alice signs in on another
// device (page B, a browser of its own), where General opens with its
// divider at her read position; reading it there clears the badge on page A.
func TestBrowserUnread(t *testing.T) {
	browserPath(t)
	srv := chattest.Start(t, chattest.Config(t))
	base := srv.URL() + "/"

	a := openPage(t, "unread-a", 1180, 760)
	a.do("open the page", chromedp.Navigate(base))
	a.signUp("Alice", "alice-password")
	alice := eval[string](a, `JSON.parse(sessionStorage.getItem('chat.session')).userUUID`)
	key := eval[string](a, `JSON.parse(sessionStorage.getItem('chat.session')).accessKey`)

	bob := chattest.Dial(t, srv.URL())
	bobUUID := bob.SignUp("Bob").UserUUID
	say := func(to, text string) {
		bob.Send("channelMessage", map[string]any{"recipientUUID": to, "message": text})
	}

	// Alice sees a message in General, then one from Bob in private.
	const g1, p1 = "General, seen before leaving.", "Private, seen before leaving."
	say("", g1)
	a.waitMessage(g1)
	say(alice, p1)
	a.waitFor("an unread count on Bob", `(b => b?.querySelector('.badge:not([hidden])')?.textContent === '1')(`+channelJS("Bob")+`)`)
	a.openChannel("Bob")
	a.waitMessage(p1)
	a.waitFor("Bob's badge gone once seen", `!!`+channelJS("Bob")+`?.querySelector('.badge[hidden]')`)
	waitRead(t, base, key, bobUUID, 1)
	waitRead(t, base, key, "", 1)

	// The tab goes elsewhere; Bob writes in both channels meanwhile.
	a.do("leave the chat", chromedp.Navigate("about:blank"))
	const g2, g3, p2, p3 = "General, while away (1).", "General, while away (2).", "Private, while away (1).", "Private, while away (2)."
	say("", g2)
	say("", g3)
	say(alice, p2)
	say(alice, p3)
	waitLast(t, base, key, bobUUID, 3)

	// Back: Bob's channel again, the divider after p1, General's badge.
	a.do("come back", chromedp.Navigate(base))
	a.waitOpen("Bob")
	a.waitMessage(p3)
	a.waitFor("the divider after the last message seen", dividerBetweenJS(p1, p2))
	a.waitFor("General's badge of 2", `(b => b?.querySelector('.badge:not([hidden])')?.textContent === '2')(`+channelJS("General")+`)`)
	a.waitFor("the title counting it", `document.title === '(2) Bob · Chat'`)
	waitRead(t, base, key, bobUUID, 3)
	a.waitFor("the divider kept after reading", dividerBetweenJS(p1, p2))
	a.screenshot("16-unread-after-reload")

	// Another device: General opens with its divider; reading it there
	// clears the badge here.
	b := openPage(t, "unread-b", 1180, 760)
	b.do("open the page", chromedp.Navigate(base))
	b.authenticate("sign-in", "Alice", "alice-password")
	b.waitOpen("General")
	b.waitMessage(g3)
	b.waitFor("General's divider at the read position", dividerBetweenJS(g1, g2))
	b.waitFor("nothing unread on Bob, read on page A", `!!`+channelJS("Bob")+`?.querySelector('.badge[hidden]')`)
	b.screenshot("17-divider-other-device")
	waitRead(t, base, key, "", 3)
	a.waitFor("General's badge cleared on page A", `!!`+channelJS("General")+`?.querySelector('.badge[hidden]') && document.title === 'Bob · Chat'`)
}

// dividerBetweenJS is an expression true when the "New since you left"
// divider is the only one, between the messages showing before and after.
func dividerBetweenJS(before, after string) string {
	return `(() => { const all = [...document.querySelectorAll('#message-list li')];` +
		` const d = all.filter(e => e.classList.contains('new-divider')); if (d.length !== 1) return false;` +
		` const i = all.indexOf(d[0]), text = (e) => e?.querySelector('.text')?.textContent;` +
		` return d[0].textContent === 'New since you left'` +
		` && text(all.slice(0, i).reverse().find(e => e.classList.contains('msg'))) === ` + js(before) +
		` && text(all.slice(i + 1).find(e => e.classList.contains('msg'))) === ` + js(after) + ` })()`
}

// channelState is one channel of the server's channels reply.
type channelState struct {
	RecipientUUID string `json:"recipientUUID"`
	LastOffset    int64  `json:"lastOffset"`
	ReadOffset    int64  `json:"readOffset"`
}

// serverChannels asks the server (POST /channels) for a user's channels.
func serverChannels(t *testing.T, base, key string) map[string]channelState {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"channels", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /channels: %v", err)
	}
	defer res.Body.Close()
	var body struct {
		Channels struct {
			Channels []channelState `json:"channels"`
		} `json:"channels"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST /channels: %d %v", res.StatusCode, err)
	}
	out := map[string]channelState{}
	for _, c := range body.Channels.Channels {
		out[c.RecipientUUID] = c
	}
	return out
}

// waitChannel polls the server until a channel of the user is as ok wants.
func waitChannel(t *testing.T, base, key, channel, what string, ok func(channelState) bool) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		c := serverChannels(t, base, key)[channel]
		if ok(c) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel %q: want %s, the server has %+v", channel, what, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRead waits until the server stored the read position offset.
func waitRead(t *testing.T, base, key, channel string, offset int64) {
	t.Helper()
	waitChannel(t, base, key, channel, "read up to "+jsNum(offset), func(c channelState) bool { return c.ReadOffset == offset })
}

// waitLast waits until the channel's last offset is offset.
func waitLast(t *testing.T, base, key, channel string, offset int64) {
	t.Helper()
	waitChannel(t, base, key, channel, "last offset "+jsNum(offset), func(c channelState) bool { return c.LastOffset == offset })
}

func jsNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

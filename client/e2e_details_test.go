package client_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/redischat/chat/client"
	"github.com/redischat/chat/internal/app"
	"github.com/redischat/chat/internal/chattest"
)

// TestBrowserDetails checks the details a person notices (issue 11) on a
// desktop and a 360 px phone against one server: 32-character names cut
// with an ellipsis, the sidebar and headers not overflowing; links
// clickable (http and https only, a new tab, rel="noopener noreferrer");
// the time written once per group of one sender's messages; a pasted
// 5,000-character message kept whole, counted, and refused with the reason.
// Then the server goes away: presence (dots, "N online") is dimmed, the
// banner sits above the message pane covering no message, on one line on
// the phone; and all is live again when the server is back.
func TestBrowserDetails(t *testing.T) {
	browserPath(t)
	const longName = "Wilhelmina Montgomery-Wolverhamp"
	const bobName = "Bartholomew Fitzgerald-Pemberton"
	for _, n := range []string{longName, bobName} {
		if utf8.RuneCountInString(n) != 32 {
			t.Fatalf("%q has %d characters, want the longest name, 32", n, utf8.RuneCountInString(n))
		}
	}
	cfg := chattest.Config(t)
	srv := chattest.Start(t, cfg)
	// Bob is on a second instance, which stays up: he is online throughout.
	other := chattest.Start(t, cfg)
	bob := chattest.Dial(t, other.URL())
	bob.SignUp(bobName)
	bob.Send("channelJoin", map[string]any{"recipientUUID": ""})
	bob.Expect("channelJoin", "sys")

	desk := openPage(t, "details-desktop", 1180, 760)
	phone := openPage(t, "details-phone", 360, 740)
	desk.do("open the page", chromedp.Navigate(srv.URL()+"/"))
	phone.do("open the page", chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2)), chromedp.Navigate(srv.URL()+"/"))
	desk.signUp(longName, "wilhelmina-password")
	phone.signUp("Pia", "pia-password")
	for _, p := range []*page{desk, phone} {
		p.waitFor("Bob online", `!!`+channelJS(bobName)+`?.querySelector('.dot.online')`)
	}

	// Names: cut with an ellipsis, nothing wider than the sidebar.
	ellipsised := func(expr string) string {
		return `(e => !!e && e.scrollWidth > e.clientWidth && getComputedStyle(e).textOverflow === 'ellipsis')(` + expr + `)`
	}
	desk.waitFor("Bob's name ellipsised in the list", ellipsised(channelJS(bobName)+`?.querySelector('.chan-name')`))
	desk.waitFor("my name ellipsised", ellipsised(`document.getElementById('me-name')`))
	desk.waitFor("no overflow of the sidebar", `[...document.querySelectorAll('#sidebar, #sidebar nav, #sidebar .sidebar-head')].every(e => e.scrollWidth <= e.clientWidth)`+
		` && (s => [...s.querySelectorAll('.chan, .badge, #sign-out')].every(e => e.getBoundingClientRect().right <= s.getBoundingClientRect().right))(document.getElementById('sidebar'))`)
	desk.openChannel(bobName)
	desk.waitFor("the header within its bar", `(h => h.getBoundingClientRect().right <= document.querySelector('.topbar').getBoundingClientRect().right && document.querySelector('.topbar').scrollWidth <= document.querySelector('.topbar').clientWidth)(document.getElementById('channel-title'))`)
	desk.openChannel("General")
	phone.openDrawer()
	phone.waitFor("Bob's name ellipsised in the drawer", ellipsised(channelJS(bobName)+`?.querySelector('.chan-name')`))
	phone.do("open Bob's channel", chromedp.Click(chromedp.CSS(`#channel-list button[data-name=`+js(bobName)+`]`)))
	phone.waitOpen(bobName)
	phone.waitFor("the drawer closed", `getComputedStyle(document.getElementById('sidebar')).visibility === 'hidden'`)
	phone.waitFor("Bob's name ellipsised in the header", ellipsised(`document.getElementById('channel-title')`)+` && document.documentElement.scrollWidth <= 360`)
	phone.screenshot("16-phone-long-name")

	// Links: http and https only, built as links, on top where they show.
	const linked = "Docs at https://example.com/docs?x=1, not javascript:alert(1) or data:text/html,hi"
	bob.Send("channelMessage", map[string]any{"recipientUUID": "", "message": linked, "clientID": "bob-link"})
	desk.waitMessage(linked)
	desk.waitFor("one link, with the right href, rel and target", `(li => {
		const a = li.querySelectorAll('.text a');
		if (a.length !== 1) return false;
		const r = a[0].getBoundingClientRect();
		return a[0].textContent === 'https://example.com/docs?x=1' && a[0].href === 'https://example.com/docs?x=1' &&
			a[0].rel === 'noopener noreferrer' && a[0].target === '_blank' &&
			document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === a[0];
	})((`+messagesJS(linked)+`)[0])`)

	// The time, once per group.
	for i, text := range []string{"First of three", "Second of three", "Third of three"} {
		bob.Send("channelMessage", map[string]any{"recipientUUID": "", "message": text, "clientID": "bob-group-" + string(rune('a'+i))})
		desk.waitMessage(text)
	}
	timeOf := func(text string) string {
		return `(` + messagesJS(text) + `)[0].querySelector('.meta')`
	}
	desk.waitFor("the time written on the group's first message only",
		`!`+timeOf(linked)+`.classList.contains('aside') && getComputedStyle(`+timeOf(linked)+`).opacity === '1'`+
			` && ['First of three', 'Second of three', 'Third of three'].every(t => (m => m.classList.contains('aside') && getComputedStyle(m).opacity === '0')([...document.querySelectorAll('#message-list li.msg')].find(li => li.querySelector('.text').textContent === t).querySelector('.meta')))`)
	desk.do("focus a grouped message", chromedp.Evaluate[chromedp.Void](`(`+messagesJS("Second of three")+`)[0].focus()`))
	desk.waitFor("its time shown on focus", `getComputedStyle(`+timeOf("Second of three")+`).opacity === '1' && getComputedStyle(`+timeOf("Third of three")+`).opacity === '0'`)

	// A 5,000-character paste: kept whole, counted, refused with the reason.
	long := strings.Repeat("0123456789", 500)
	desk.do("paste 5,000 characters", chromedp.Focus(chromedp.ID("message-input")), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: long})
		return err
	}))
	desk.waitFor("the whole text in the box, the counter over", `document.getElementById('message-input').value.length === 5000`+
		` && (c => !c.hidden && c.textContent === '904 characters over the limit of 4096')(document.getElementById('composer-count'))`+
		` && document.getElementById('message-input').getAttribute('aria-invalid') === 'true'`)
	desk.do("press Enter", pressEnter)
	desk.waitFor("refused, saying why", `(t => !t.hidden && t.textContent.includes('5000 characters and the limit is 4096'))(document.getElementById('toast'))`+
		` && document.getElementById('message-input').value.length === 5000 && !document.querySelector('#message-list li.msg.pending')`+
		` && getComputedStyle(document.getElementById('toast')).opacity === '1'`+
		` && document.getElementById('toast').getBoundingClientRect().bottom <= document.getElementById('composer').getBoundingClientRect().top`)
	desk.screenshot("17-too-long")
	desk.do("clear the box", clearInput("message-input"))
	desk.waitFor("the counter gone", `document.getElementById('composer-count').hidden`)

	// The server goes away.
	addr := srv.Addr()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	dotOpacity := `+getComputedStyle(` + channelJS(bobName) + `.querySelector('.dot.online')).opacity`
	for _, p := range []*page{desk, phone} {
		p.waitFor("the reconnecting banner", `!document.getElementById('banner').hidden && document.getElementById('banner-text').textContent.includes('Reconnecting')`)
		p.waitFor("presence dimmed", `document.getElementById('chat-screen').classList.contains('stale') && `+dotOpacity+` < 1`)
	}
	desk.waitFor("'N online' dimmed", `+getComputedStyle(document.getElementById('channel-sub')).opacity < 1 && document.getElementById('channel-sub').textContent.endsWith('online')`)
	desk.waitFor("the banner above the message pane, covering no message", `(() => {
		const b = document.getElementById('banner').getBoundingClientRect();
		const pane = document.getElementById('messages-wrap').getBoundingClientRect();
		const bar = document.querySelector('.topbar').getBoundingClientRect();
		const side = document.getElementById('sidebar').getBoundingClientRect();
		return b.height > 0 && b.top >= bar.bottom && b.bottom <= pane.top && b.left >= side.right;
	})()`)
	desk.waitFor("the banner faded in", `getComputedStyle(document.getElementById('banner')).opacity === '1'`)
	desk.screenshot("18-desktop-reconnecting")
	phone.waitFor("the banner on one line", `(() => {
		const text = document.getElementById('banner-text');
		const line = parseFloat(getComputedStyle(text).lineHeight);
		const b = document.getElementById('banner').getBoundingClientRect();
		return text.getBoundingClientRect().height < 1.5 * line && b.height < 2.5 * line && b.right <= 360 && b.left >= 0 &&
			document.documentElement.scrollWidth <= 360;
	})()`)
	phone.waitFor("the banner faded in", `getComputedStyle(document.getElementById('banner')).opacity === '1'`)
	phone.screenshot("19-phone-reconnecting")

	// Back: live presence again.
	restarted, err := app.Start(context.Background(), cfg, chattest.Logger(t), client.FS, addr)
	if err != nil {
		t.Fatalf("restart on %s: %v", addr, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = restarted.Shutdown(ctx)
	})
	for _, p := range []*page{desk, phone} {
		p.waitFor("the banner gone", `document.getElementById('banner').hidden`)
		p.waitFor("presence restored", `!document.getElementById('chat-screen').classList.contains('stale') && `+dotOpacity+` === 1`)
	}
	desk.waitFor("'N online' restored", `+getComputedStyle(document.getElementById('channel-sub')).opacity === 1`)
}

package client_test

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// What a person does on the chat's page, and what the tests read from it.

// clearInput empties an input or textarea, as a user selecting its text and
// deleting it would.
func clearInput(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(e => { e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true})); })(document.getElementById(` + js(id) + `))`)
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// authenticate fills the form and presses one of its buttons (#sign-in or
// #sign-up).
func (p *page) authenticate(button, username, password string) {
	p.t.Helper()
	p.do("fill the sign-in form",
		chromedp.WaitVisible(chromedp.ID("auth-form")),
		clearInput("username"),
		chromedp.SendKeys(chromedp.ID("username"), username),
		clearInput("password"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID(button)),
	)
}

// signUp creates an account from the form and waits for the chat.
func (p *page) signUp(username, password string) {
	p.t.Helper()
	p.authenticate("sign-up", username, password)
	p.waitFor("the chat after signing up", `!document.getElementById('chat-screen').hidden && document.getElementById('me-name').textContent === `+js(username))
	p.waitFor("General to load", `document.getElementById('messages-empty').textContent !== 'Loading messages…' || !!document.querySelector('#message-list li')`)
}

// authError waits for the form's error to contain want.
func (p *page) authError(want string) {
	p.t.Helper()
	p.waitFor("the form error "+want, `document.getElementById('auth-error').textContent.includes(`+js(want)+`) && !document.getElementById('sign-in').disabled`)
}

// send types text in the composer (lines joined with Shift+Enter) and
// presses Enter.
func (p *page) send(text string) {
	p.t.Helper()
	actions := []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.ID("message-input"))}
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			actions = append(actions, chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)))
		}
		if line != "" {
			actions = append(actions, chromedp.SendKeys(chromedp.ID("message-input"), line))
		}
	}
	actions = append(actions, pressEnter)
	p.do("send "+text, actions...)
	p.waitFor("the composer to clear", `document.getElementById('message-input').value === ''`)
}

// pressEnter presses Enter as a keyboard does: a keydown whose default the
// page may prevent, then a keyup. (KeyEvent sends the character as a separate
// event, which a page cannot cancel from its keydown handler.)
var pressEnter = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		})
		if err != nil {
			return err
		}
	}
	return nil
})

// messagesJS is an expression for the list items showing text.
func messagesJS(text string) string {
	return `[...document.querySelectorAll('#message-list li.msg')].filter(li => li.querySelector('.text')?.textContent === ` + js(text) + `)`
}

// waitMessage waits until text shows exactly once, stored (not pending).
func (p *page) waitMessage(text string) {
	p.t.Helper()
	p.waitFor("the message "+text+" (once, stored)",
		`(l => l.length === 1 && !l[0].classList.contains('pending') && !!l[0].dataset.offset)(`+messagesJS(text)+`)`)
}

// channelJS is an expression for the channel list button of a name.
func channelJS(name string) string {
	return `[...document.querySelectorAll('#channel-list button[data-channel]')].find(b => b.dataset.name === ` + js(name) + `)`
}

// openChannel clicks a channel and waits for it to load.
func (p *page) openChannel(name string) {
	p.t.Helper()
	p.do("open "+name, chromedp.Click(chromedp.CSS(`#channel-list button[data-name=`+js(name)+`]`)))
	p.waitOpen(name)
}

// waitOpen waits until the channel named name is open and loaded.
func (p *page) waitOpen(name string) {
	p.t.Helper()
	p.waitFor(name+" to open", `document.getElementById('channel-title').textContent === `+js(name)+
		` && document.getElementById('messages-empty').textContent !== 'Loading messages…'`+
		` && `+channelJS(name)+`?.getAttribute('aria-current') === 'page'`)
}

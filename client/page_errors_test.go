package client_test

import (
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// What a page reports that fails a test: uncaught exceptions, console
// errors, and what the browser says of the page's Content-Security-Policy.

// reportErrors fails the test with the page's recorded errors.
func (p *page) reportErrors() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errors {
		p.t.Errorf("%s: page error: %s", p.name, e)
	}
}

// takeErrors returns the errors recorded so far and forgets them (for a
// test that provokes some on purpose).
func (p *page) takeErrors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	errs := p.errors
	p.errors = nil
	return errs
}

// watch records the page's uncaught exceptions, console errors and what
// the browser reports of its Content-Security-Policy (a blocked script,
// style or connection, an HTML string refused by Trusted Types): every
// browser test fails on a violation.
func (p *page) watch(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		msg += fmt.Sprintf(" at %s:%d", d.URL, d.LineNumber+1)
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			parts = append(parts, string(a.Value)+a.Description)
		}
		msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *log.EventEntryAdded:
		if !strings.Contains(ev.Entry.Text, "Content Security Policy") && !strings.Contains(ev.Entry.Text, "Trusted Type") {
			return
		}
		msg = "CSP: " + ev.Entry.Text
	default:
		return
	}
	p.mu.Lock()
	p.errors = append(p.errors, msg)
	p.mu.Unlock()
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// probeResult is what a probe measured; the result's "probe".
type probeResult struct {
	Kind          string            `json:"kind"`    // join or users
	Request       string            `json:"request"` // the frame sent
	Clients       int               `json:"clients"`
	SetUp         int64             `json:"setUp"`
	SetupFailures map[string]int64  `json:"setupFailures"`
	SetupSeconds  float64           `json:"setupSeconds"`
	SettleSeconds float64           `json:"settleSeconds"`
	Rate          float64           `json:"rate"`        // asked for, per second in total
	SendSeconds   float64           `json:"sendSeconds"` // the schedule's length
	Scheduled     int64             `json:"scheduled"`
	Sent          int64             `json:"sent"`
	SentPerSecond float64           `json:"sentPerSecond"`
	Answered      int64             `json:"answered"` // replies of the request's type
	Failed        int64             `json:"failed"`   // requests answered by an error frame
	Errors        int64             `json:"errors"`   // error frames on probe connections
	ErrorsByCode  map[string]int64  `json:"errorsByCode"`
	ErrorTexts    map[string]string `json:"errorTexts"`
	Unanswered    int64             `json:"unanswered"` // neither a reply nor an error when the drain ended
	Unmatched     int64             `json:"unmatched"`  // replies with no request waiting
	Late          int64             `json:"late"`       // written more than 1 ms after their scheduled time
	BehindMs      latencySummary    `json:"behindMs"`   // write time minus scheduled time
	LatencyMs     latencySummary    `json:"latencyMs"`  // request written to reply read
	Pushes        int64             `json:"pushes"`     // other frames, read and dropped
	Disconnects   map[string]int64  `json:"disconnects"`
	FirstReply    replyShape        `json:"firstReply"`
	Examples      []string          `json:"examples"`            // setup failures, lost connections
	ToolCPU       float64           `json:"toolCPU"`             // percent of one core while sending
	ServerCPU     float64           `json:"serverCPU,omitempty"` // with -pid
}

// replyShape is the size of one reply, to check what was measured.
type replyShape struct {
	Bytes    int `json:"bytes"`
	Messages int `json:"messages"`        // channelJoin: the history page
	Users    int `json:"users"`           // channelJoin: the members page; users: the users page
	Total    int `json:"total,omitempty"` // users: every user
}

func shapeOf(typ string, data []byte) replyShape {
	s := replyShape{Bytes: len(data)}
	var env map[string]json.RawMessage
	if json.Unmarshal(data, &env) != nil {
		return s
	}
	var body struct {
		Messages []json.RawMessage `json:"messages"`
		Users    []json.RawMessage `json:"users"`
		Total    int               `json:"total"`
	}
	_ = json.Unmarshal(env[typ], &body)
	s.Messages, s.Users, s.Total = len(body.Messages), len(body.Users), body.Total
	return s
}

// result fills the probe's figures once its readers have ended.
func (p *probe) result() *probeResult {
	st := p.st
	r := &probeResult{
		Kind: p.kind, Request: string(p.frame), Clients: len(p.clients), SetUp: st.setUp.Load(),
		SetupFailures: copyMap(st.setupErrs, &st.mu), SetupSeconds: round3(p.setupSeconds),
		SettleSeconds: round3(p.settleSeconds), Rate: p.l.opts.probeRate,
		SendSeconds: round3(p.sendSeconds), Scheduled: p.scheduled.Load(), Sent: p.sent.Load(),
		Answered: p.answered.Load(), Failed: p.failed.Load(), ErrorsByCode: copyMap(st.errCodes, &st.mu),
		ErrorTexts: copyMap(st.errTexts, &st.mu), Unanswered: p.unanswered(false),
		Unmatched: p.unmatched.Load(), Late: p.late.Load(),
		BehindMs: snapshotOf(&p.behind).summary(), LatencyMs: snapshotOf(&p.latency).summary(),
		Pushes: p.pushes.Load(), Disconnects: copyMap(st.disconnects, &st.mu),
		FirstReply: p.shape, ToolCPU: p.toolCPU, ServerCPU: p.serverCPU,
	}
	r.Errors = sum(r.ErrorsByCode)
	st.mu.Lock()
	r.Examples = append([]string{}, st.examples...)
	st.mu.Unlock()
	if p.sendSeconds > 0 {
		r.SentPerSecond = round3(float64(r.Sent) / p.sendSeconds)
	}
	return r
}

// problems adds what makes the probe fail to r.
func (pr *probeResult) problems(r *result) {
	if f := int64(pr.Clients) - pr.SetUp; f > 0 {
		r.problem("%d of %d probe clients failed to set up (%s)", f, pr.Clients, joinCounts(pr.SetupFailures))
	}
	if pr.SetUp > 0 && pr.Answered == 0 {
		r.problem("no probe request was answered")
	}
	if pr.Errors > 0 {
		p := fmt.Sprintf("%d error frames on probe connections (%s)", pr.Errors, joinCounts(pr.ErrorsByCode))
		if pr.ErrorsByCode["429"] > 0 {
			p += ": raise the server's RATE_LIMIT and RATE_BURST, or add -probe-clients"
		}
		r.problem("%s", p)
	}
	if pr.Sent < pr.Scheduled {
		r.problem("%d of %d probe requests not sent", pr.Scheduled-pr.Sent, pr.Scheduled)
	}
	if pr.Unanswered > 0 || pr.Unmatched > 0 {
		r.problem("%d probe requests unanswered, %d replies unmatched", pr.Unanswered, pr.Unmatched)
	}
	if n := sum(pr.Disconnects); n > 0 {
		r.problem("%d probe connections lost (close codes %s)", n, joinCounts(pr.Disconnects))
	}
}

// print writes the probe's figures for a human.
func (pr *probeResult) print(w io.Writer) {
	fmt.Fprintf(w, "probe    %s: %s from %d clients (%d set up in %.2f s, then %.2f s until pushes stopped), %g/s in total\n",
		pr.Kind, pr.Request, pr.Clients, pr.SetUp, pr.SetupSeconds, pr.SettleSeconds, pr.Rate)
	fmt.Fprintf(w, "         sent %d of %d in %.2f s (%.0f/s), %d answered, %d errors, %d unanswered; %d late (behind schedule: %s)\n",
		pr.Sent, pr.Scheduled, pr.SendSeconds, pr.SentPerSecond, pr.Answered, pr.Errors, pr.Unanswered, pr.Late, brief(pr.BehindMs))
	fmt.Fprintf(w, "         latency %s\n", brief(pr.LatencyMs))
	s := pr.FirstReply
	fmt.Fprintf(w, "         first reply %.1f KB: %d messages, %d users", float64(s.Bytes)/1024, s.Messages, s.Users)
	if s.Total > 0 {
		fmt.Fprintf(w, " of %d", s.Total)
	}
	fmt.Fprintf(w, "; %d other frames; cpu tool %.0f%%", pr.Pushes, pr.ToolCPU)
	if pr.ServerCPU > 0 {
		fmt.Fprintf(w, ", server %.0f%%", pr.ServerCPU)
	}
	fmt.Fprintln(w)
	for code, text := range pr.ErrorTexts {
		fmt.Fprintf(w, "         %s: %s\n", code, text)
	}
	for _, ex := range pr.Examples {
		fmt.Fprintf(w, "         e.g. %s\n", ex)
	}
}

// progressLine is the probe's part of the progress line; only the progress
// goroutine calls it.
func (p *probe) progressLine() string {
	if !p.started.Load() {
		return fmt.Sprintf("probe setup: %d/%d set up, %d failed", p.st.setUp.Load(), len(p.clients), p.st.setupFailed.Load())
	}
	lat := snapshotOf(&p.latency)
	last := lat.since(p.prevLat)
	sent := p.sent.Load()
	line := fmt.Sprintf("probe %s: sent %d (%d/s), answered %d, p99 %.2f ms (last second %.2f ms, max %.2f ms), late %d, errors %d",
		p.kind, sent, sent-p.prevSent, p.answered.Load(), ms(lat.quantile(0.99)), ms(last.quantile(0.99)),
		ms(time.Duration(last.max)*time.Microsecond), p.late.Load(), p.st.errorCount())
	p.prevLat, p.prevSent = lat, sent
	return line
}

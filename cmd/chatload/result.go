package main

import (
	"fmt"
	"sort"
	"strings"
)

// result is what a run measured; it is also the JSON output.
type result struct {
	OK       bool           `json:"ok"`
	Problems []string       `json:"problems"`
	Config   configResult   `json:"config"`
	Setup    setupResult    `json:"setup"`
	Run      runResult      `json:"run"`
	Latency  latencySummary `json:"latencyMs"`
	Loss     lossResult     `json:"loss"`
	Errors   errorsResult   `json:"errors"`
	History  *historyResult `json:"history,omitempty"` // with -history
	Probe    *probeResult   `json:"probe,omitempty"`   // with -probe
	Memory   *memoryResult  `json:"memory,omitempty"`
	Tool     toolResult     `json:"tool"`
	CPU      cpuResult      `json:"cpu"`
	Timeline []second       `json:"timeline"`
}

type configResult struct {
	URLs        []string `json:"urls"`
	Clients     int      `json:"clients"`
	Senders     int      `json:"senders"`
	Messages    int      `json:"messages"` // in total; 0: until duration
	Rate        float64  `json:"rate"`     // per second in total; 0: as fast as acknowledged
	Window      int      `json:"window"`   // per sender; 0: unlimited
	Size        int      `json:"size"`
	Layout      string   `json:"layout"`
	Duration    float64  `json:"durationSeconds"`
	Resumed     bool     `json:"resumed"` // signed in with saved access keys
	ConnectRate float64  `json:"connectRate"`
	RunID       string   `json:"runID"`
	Drain       float64  `json:"drainSeconds"`
	History     int      `json:"history"`         // messages posted to general before setup
	Probe       string   `json:"probe,omitempty"` // join or users
}

type setupResult struct {
	Clients   int              `json:"clients"`
	SetUp     int64            `json:"setUp"`
	Failed    int64            `json:"failed"`
	Failures  map[string]int64 `json:"failures"` // by "step code"
	Seconds   float64          `json:"seconds"`
	PerSecond float64          `json:"perSecond"`
	ConnectMs latencySummary   `json:"connectMs"` // dial and ready frame
	SignInMs  latencySummary   `json:"signInMs"`  // signUp or signIn {accessKey} to authorized
	JoinMs    latencySummary   `json:"joinMs"`    // channelJoin to its reply
	// SettleSeconds is the wait after setup until the server's pushes stopped.
	SettleSeconds float64 `json:"settleSeconds"`
}

type runResult struct {
	SendSeconds         float64 `json:"sendSeconds"`
	Seconds             float64 `json:"seconds"` // sending and drain
	Sent                int64   `json:"sent"`
	Acked               int64   `json:"acked"`   // came back to the sender
	Failed              int64   `json:"failed"`  // an error frame named them
	Unacked             int64   `json:"unacked"` // neither, on senders still connected
	SentPerSecond       float64 `json:"sentPerSecond"`
	Delivered           int64   `json:"delivered"` // channelMessage frames received by all clients
	DeliveriesPerSecond float64 `json:"deliveriesPerSecond"`
	Untimed             int64   `json:"untimed"` // deliveries not sent by this run
	Pushes              int64   `json:"pushes"`  // other frames received (presence, sys, typing, notify)
}

type lossResult struct {
	Receivers         int   `json:"receivers"`
	Expected          int64 `json:"expected"`    // offsets stored while the receivers were joined
	Lost              int64 `json:"lost"`        // skipped: a later offset arrived, this one never did
	Undelivered       int64 `json:"undelivered"` // not arrived when the drain ended: a later one never did either
	Duplicates        int64 `json:"duplicates"`
	Reordered         int64 `json:"reordered"`
	ReceiversWithLoss int   `json:"receiversWithLoss"`
}

type errorsResult struct {
	Frames      int64             `json:"frames"`
	ByCode      map[string]int64  `json:"byCode"`
	ByRequest   map[string]int64  `json:"byRequest"` // "code request"
	Texts       map[string]string `json:"texts"`     // the first text of each code
	Disconnects map[string]int64  `json:"disconnects"`
	Examples    []string          `json:"examples"`
}

type memoryResult struct {
	PID                int   `json:"pid"`
	BeforeKB           int64 `json:"rssBeforeKB"`
	AfterSetupKB       int64 `json:"rssAfterSetupKB"`
	EndKB              int64 `json:"rssEndKB"`
	BytesPerConnection int64 `json:"bytesPerConnection"`
}

// toolResult is the tool's own memory: its share of a 2-core machine
// matters as much as the server's.
type toolResult struct {
	RSSBeforeKB        int64 `json:"rssBeforeKB"`
	RSSAfterSetupKB    int64 `json:"rssAfterSetupKB"`
	BytesPerConnection int64 `json:"bytesPerConnection"`
}

// cpuResult is CPU use in percent of one core.
type cpuResult struct {
	ToolSetup   float64 `json:"toolSetup"`
	ToolRun     float64 `json:"toolRun"`
	ServerSetup float64 `json:"serverSetup,omitempty"`
	ServerRun   float64 `json:"serverRun,omitempty"`
}

func newResult(l *load) *result {
	o := l.opts
	return &result{Problems: []string{}, Timeline: []second{}, Config: configResult{
		URLs: o.urls, Clients: o.clients, Senders: o.senders, Messages: o.messages, Rate: o.rate,
		Window: o.window, Size: o.size, Layout: o.layout, Duration: o.duration.Seconds(),
		Resumed: l.resumed, ConnectRate: o.connectRate, RunID: string(l.runID),
		Drain: o.drain.Seconds(), History: o.history, Probe: o.probe,
	}}
}

func (r *result) problem(format string, a ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, a...))
}

// fill adds the counters of a finished run (every reader has ended) and
// judges it.
func (r *result) fill(l *load) {
	st := l.stats
	r.Setup = setupResult{
		Clients: len(l.clients), SetUp: st.setUp.Load(), Failed: st.setupFailed.Load(),
		Failures: copyMap(st.setupErrs, &st.mu), Seconds: round3(r.Setup.Seconds),
		ConnectMs: snapshotOf(&st.connect).summary(), SignInMs: snapshotOf(&st.signIn).summary(),
		JoinMs: snapshotOf(&st.join).summary(), SettleSeconds: round3(r.Setup.SettleSeconds),
	}
	if r.Setup.Seconds > 0 {
		r.Setup.PerSecond = round3(float64(r.Setup.SetUp) / r.Setup.Seconds)
	}
	for _, s := range l.senders {
		r.Run.Sent += s.sent.Load()
		r.Run.Acked += s.acked.Load()
		r.Run.Failed += s.failed.Load()
		if s.c.aliveAtEnd {
			r.Run.Unacked += max(s.unacked(), 0) // a duplicate echo counts twice
		}
	}
	delivered, untimed, pushes, lat := st.deliveries()
	r.Run.Delivered, r.Run.Untimed, r.Run.Pushes = delivered, untimed, pushes
	if r.Run.SendSeconds > 0 {
		r.Run.SentPerSecond = round3(float64(r.Run.Sent) / r.Run.SendSeconds)
	}
	if r.Run.Seconds > 0 {
		r.Run.DeliveriesPerSecond = round3(float64(delivered) / r.Run.Seconds)
	}
	r.Run.SendSeconds, r.Run.Seconds = round3(r.Run.SendSeconds), round3(r.Run.Seconds)
	r.Latency = lat.summary()
	r.Loss = l.loss()
	st.mu.Lock()
	examples := append([]string{}, st.examples...)
	st.mu.Unlock()
	r.Errors = errorsResult{
		ByCode: copyMap(st.errCodes, &st.mu), ByRequest: copyMap(st.errRequests, &st.mu),
		Texts: copyMap(st.errTexts, &st.mu), Disconnects: copyMap(st.disconnects, &st.mu),
		Examples: examples,
	}
	for _, n := range r.Errors.ByCode {
		r.Errors.Frames += n
	}
	if l.probe != nil {
		r.Probe = l.probe.result()
	}
	r.judge()
}

// loss adds up the receivers' offsets. A receiver still connected at the
// end must have reached the highest offset any member of its channel saw.
func (l *load) loss() lossResult {
	var out lossResult
	for _, members := range l.channels {
		var top int64
		for _, c := range members {
			top = max(top, c.track.last)
		}
		for _, c := range members {
			if !c.joined {
				continue
			}
			out.Receivers++
			t, end, missing := c.track, c.track.last, int64(0)
			if c.aliveAtEnd && end < top {
				missing, end = top-end, top
			}
			out.Expected += end - c.joinedAt
			out.Lost += t.lost
			out.Undelivered += missing
			out.Duplicates += t.dups
			out.Reordered += t.reordered
			if t.lost > 0 || t.dups > 0 || missing > 0 {
				out.ReceiversWithLoss++
			}
		}
	}
	return out
}

// judge lists what makes the run fail: loss, duplicates, errors.
func (r *result) judge() {
	if r.Setup.Failed > 0 {
		r.problem("%d of %d clients failed to set up (%s)", r.Setup.Failed, r.Setup.Clients, joinCounts(r.Setup.Failures))
	}
	if r.Loss.Lost > 0 {
		r.problem("%d messages lost (offsets skipped)", r.Loss.Lost)
	}
	if r.Loss.Undelivered > 0 {
		r.problem("%d deliveries had not arrived when the drain ended (%gs after sending): the server fell behind, or lost them", r.Loss.Undelivered, r.Config.Drain)
	}
	if r.Loss.Duplicates > 0 {
		r.problem("%d duplicate messages", r.Loss.Duplicates)
	}
	if r.Loss.Reordered > 0 {
		r.problem("%d messages out of offset order", r.Loss.Reordered)
	}
	if r.Run.Unacked > 0 {
		r.problem("%d messages sent never came back to their sender", r.Run.Unacked)
	}
	if r.Errors.Frames > 0 {
		p := fmt.Sprintf("%d error frames (%s)", r.Errors.Frames, joinCounts(r.Errors.ByRequest))
		if r.Errors.ByCode["429"] > 0 {
			p += ": 429 is the server's rate limit per socket: raise RATE_LIMIT and RATE_BURST on the server, or lower -rate"
		}
		r.problem("%s", p)
	}
	if n := sum(r.Errors.Disconnects); n > 0 {
		r.problem("%d connections lost while running (close codes %s)", n, joinCounts(r.Errors.Disconnects))
	}
	if r.Run.Sent == 0 && r.Config.Senders > 0 {
		r.problem("no message was sent")
	}
	if h := r.History; h != nil && h.Posted < h.Messages {
		r.problem("%d of %d history messages not posted (%s)", h.Messages-h.Posted, h.Messages, h.Error)
	}
	if r.Probe != nil {
		r.Probe.problems(r)
	}
	r.OK = len(r.Problems) == 0
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// joinCounts writes a map of counts as "k: n, k: n", sorted.
func joinCounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

package main

import (
	"fmt"
	"io"
	"strings"
)

// printSummary writes the result for a human.
func (r *result) printSummary(w io.Writer) {
	c := r.Config
	signIn := "signUp"
	if c.Resumed {
		signIn = "signIn {accessKey}"
	}
	pacing := "each as fast as acknowledged"
	if c.Rate > 0 {
		pacing = fmt.Sprintf("%g/s in total", c.Rate)
	}
	window := "unlimited"
	if c.Window > 0 {
		window = fmt.Sprint(c.Window)
	}
	senders := fmt.Sprintf("%d senders (%s, window %s)", c.Senders, pacing, window)
	if c.Senders == 0 {
		senders = "no senders"
	}
	fmt.Fprintf(w, "\nchatload run %s: %d clients on %d server(s), layout %s, %s, %d-byte messages\n",
		c.RunID, c.Clients, len(c.URLs), c.Layout, senders, c.Size)
	s := r.Setup
	fmt.Fprintf(w, "setup    %d set up, %d failed in %.2f s: %.0f/s\n", s.SetUp, s.Failed, s.Seconds, s.PerSecond)
	fmt.Fprintf(w, "         connect %s\n         %s %s\n         join %s\n",
		brief(s.ConnectMs), signIn, brief(s.SignInMs), brief(s.JoinMs))
	if s.Failed > 0 {
		fmt.Fprintf(w, "         failures: %s\n", joinCounts(s.Failures))
	}
	if s.SettleSeconds > 0 {
		fmt.Fprintf(w, "         then %.2f s until the server's pushes stopped\n", s.SettleSeconds)
	}
	if h := r.History; h != nil {
		fmt.Fprintf(w, "history  %d of %d messages posted to general in %.2f s before setup\n", h.Posted, h.Messages, h.Seconds)
	}
	if r.Probe == nil || c.Senders > 0 { // with -probe and -senders 0 there was no sending phase
		r.printRun(w)
	}
	if r.Probe != nil {
		r.Probe.print(w)
	}
	r.printErrors(w)
	r.printResources(w)
	if r.OK {
		fmt.Fprintln(w, "result   OK")
	} else {
		fmt.Fprintf(w, "result   FAILED: %s\n", strings.Join(r.Problems, "; "))
		for _, ex := range r.Errors.Examples {
			fmt.Fprintf(w, "         e.g. %s\n", ex)
		}
	}
}

// printRun writes the sending phase's figures.
func (r *result) printRun(w io.Writer) {
	u := r.Run
	fmt.Fprintf(w, "run      %.2f s sending + drain to %.2f s: sent %d (%.0f/s), %d came back, %d failed, %d unacknowledged\n",
		u.SendSeconds, u.Seconds, u.Sent, u.SentPerSecond, u.Acked, u.Failed, u.Unacked)
	fmt.Fprintf(w, "         delivered %d (%.0f/s), %d from other senders, %d other frames\n",
		u.Delivered, u.DeliveriesPerSecond, u.Untimed, u.Pushes)
	fmt.Fprintf(w, "latency  %s\n", brief(r.Latency))
	o := r.Loss
	fmt.Fprintf(w, "offsets  %d lost, %d undelivered at the end, %d duplicates, %d reordered over %d receivers (%d expected, %d receivers short)\n",
		o.Lost, o.Undelivered, o.Duplicates, o.Reordered, o.Receivers, o.Expected, o.ReceiversWithLoss)
}

// printErrors writes the error frames and lost connections of the clients.
func (r *result) printErrors(w io.Writer) {
	e := r.Errors
	if e.Frames == 0 && len(e.Disconnects) == 0 {
		fmt.Fprintln(w, "errors   none")
	} else {
		fmt.Fprintf(w, "errors   %d error frames", e.Frames)
		if e.Frames > 0 {
			fmt.Fprintf(w, " (%s)", joinCounts(e.ByRequest))
		}
		if len(e.Disconnects) > 0 {
			fmt.Fprintf(w, "; connections lost by close code: %s", joinCounts(e.Disconnects))
		}
		fmt.Fprintln(w)
		for code, text := range e.Texts {
			fmt.Fprintf(w, "         %s: %s\n", code, text)
		}
	}
}

// printResources writes the memory and CPU figures.
func (r *result) printResources(w io.Writer) {
	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "memory   server %d RSS %.1f MB before, %.1f MB after setup, %.1f MB at the end: %.1f KB per connection\n",
			m.PID, float64(m.BeforeKB)/1024, float64(m.AfterSetupKB)/1024, float64(m.EndKB)/1024, float64(m.BytesPerConnection)/1024)
	}
	fmt.Fprintf(w, "tool     RSS %.1f MB after setup: %.1f KB per connection\n",
		float64(r.Tool.RSSAfterSetupKB)/1024, float64(r.Tool.BytesPerConnection)/1024)
	cpu := fmt.Sprintf("cpu      tool %.0f%% of a core during setup, %.0f%% while running", r.CPU.ToolSetup, r.CPU.ToolRun)
	if r.Memory != nil {
		cpu += fmt.Sprintf("; server %.0f%% and %.0f%%", r.CPU.ServerSetup, r.CPU.ServerRun)
	}
	if r.Probe != nil && r.Config.Senders == 0 { // no sending phase: the probe has its own
		cpu = fmt.Sprintf("cpu      tool %.0f%% of a core during setup", r.CPU.ToolSetup)
		if r.Memory != nil {
			cpu += fmt.Sprintf("; server %.0f%%", r.CPU.ServerSetup)
		}
	}
	fmt.Fprintln(w, cpu)
}

func brief(l latencySummary) string {
	if l.Count == 0 {
		return "(none)"
	}
	return fmt.Sprintf("p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms (%d)", l.P50, l.P95, l.P99, l.Max, l.Count)
}

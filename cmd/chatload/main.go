// Command chatload is the chat's load tool: it opens many websocket clients
// against one or more servers, signs them up (or resumes them with saved
// access keys), joins them to the general channel or to private pairs, has
// some of them send, and measures deliveries per second, end-to-end latency,
// loss and duplicates (from the messages' offsets), error frames, setup
// times and, given the server's PID, its memory per connection. With
// -probe, extra clients then time one request (channelJoin or users) at a
// fixed rate; -seed-users only signs users up over HTTP. See README.md in
// this folder.
//
// Each client has one goroutine: it sets the client up, then reads its
// connection until the run stops. Each sender has one more, the only one
// that writes its connection. Counters are atomic and sharded; latencies go
// to fixed-bucket histograms.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "chatload:", err)
		os.Exit(1)
	}
}

// errFailed is returned when the run measured loss, duplicates or errors.
var errFailed = errors.New("the run failed")

// run is the whole tool: it parses args, runs the load and writes the
// summary to stderr and, with -json, the result.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	if opts.seedUsers > 0 {
		return runSeed(ctx, opts, stdout, stderr)
	}
	if opts.pid > 0 {
		if _, err := procRSS(opts.pid); err != nil {
			return fmt.Errorf("-pid %d: %w", opts.pid, err)
		}
	}
	l, err := newLoad(opts, stderr)
	if err != nil {
		return err
	}
	if n := len(l.senders); opts.rate > 0 && n > 0 && opts.rate/float64(n) > 20 {
		fmt.Fprintf(stderr, "chatload: each sender sends %.0f messages/s, more than a server's default RATE_LIMIT (20/s): start the server with a higher RATE_LIMIT and RATE_BURST, or expect 429s\n", opts.rate/float64(n))
	}
	if per := opts.probeRate / float64(opts.probeClients); opts.probe != "" && per > 20 {
		fmt.Fprintf(stderr, "chatload: each probe client sends %.0f requests/s, more than a server's default RATE_LIMIT (20/s): start the server with a higher RATE_LIMIT and RATE_BURST, or add -probe-clients\n", per)
	}
	if opts.cpuProfile != "" {
		f, err := os.Create(opts.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res := l.execute(ctx)
	res.printSummary(stderr)
	if opts.jsonOut != "" {
		if err := writeJSON(opts.jsonOut, stdout, res); err != nil {
			return err
		}
	}
	if !res.OK {
		return fmt.Errorf("%w: %s", errFailed, strings.Join(res.Problems, "; "))
	}
	return nil
}

func writeJSON(path string, stdout io.Writer, res any) error {
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

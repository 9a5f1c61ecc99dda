package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Layouts of the clients over channels.
const (
	layoutGeneral = "general" // every client in the general channel
	layoutPairs   = "pairs"   // clients 2k and 2k+1 in their private channel
)

// options are the command line, checked.
type options struct {
	urls             []string // websocket URLs, .../ws
	clients          int      // 0: one per saved key with -keys, else 100
	senders          int
	messages         int     // in total over all senders; 0: until -duration
	rate             float64 // messages per second in total; 0: as fast as acknowledged
	window           int     // unacknowledged messages per sender; 0: unlimited
	size             int
	layout           string
	duration         time.Duration
	keysFile         string
	saveKeys         string
	connectRate      float64
	setupConcurrency int
	setupTimeout     time.Duration
	timeout          time.Duration
	drain            time.Duration
	settle           time.Duration
	pid              int
	jsonOut          string
	quiet            bool
	name             string
	cpuProfile       string
	history          int           // messages posted to general before setup
	probe            string        // "", probeJoin or probeUsers
	probeRate        float64       // probe requests per second in total
	probeDuration    time.Duration // longest probe phase
	probeClients     int
	seedUsers        int // users to sign up over HTTP, then exit
	seedConcurrency  int
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("chatload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: chatload [flags]  (see cmd/chatload/README.md)")
		fs.PrintDefaults()
	}
	var o options
	urls := fs.String("url", "http://127.0.0.1:5555", "server base URLs, comma-separated; clients are spread over them round-robin")
	fs.IntVar(&o.clients, "clients", 0, "websocket clients (default 100, or one per saved key with -keys)")
	fs.IntVar(&o.senders, "senders", 1, "how many of the clients send messages (0: connections only)")
	fs.IntVar(&o.messages, "messages", 0, "messages to send in total, split over the senders (0: until -duration)")
	fs.Float64Var(&o.rate, "rate", 0, "messages per second in total over all senders (0: each sender as fast as its messages are acknowledged)")
	fs.IntVar(&o.window, "window", -1, "most unacknowledged messages per sender (default 1 with -rate 0, unlimited with -rate)")
	fs.IntVar(&o.size, "size", 100, "message text length in bytes")
	fs.StringVar(&o.layout, "layout", layoutGeneral, "general: all clients in the general channel; pairs: clients 2k and 2k+1 in their private channel")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "longest sending phase (the tool always stops on its own)")
	fs.StringVar(&o.keysFile, "keys", "", "resume with the access keys saved in this file (signIn {accessKey}) instead of signing up")
	fs.StringVar(&o.saveKeys, "save-keys", "", "write the clients' access keys to this file after setup")
	fs.Float64Var(&o.connectRate, "connect-rate", 0, "new connections per second during setup (0: unlimited)")
	fs.IntVar(&o.setupConcurrency, "setup-concurrency", 100, "most clients setting up at once")
	fs.DurationVar(&o.setupTimeout, "setup-timeout", 2*time.Minute, "longest setup phase")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "longest wait for one reply during setup")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "longest wait after setup for the server's pushes to stop before sending (0: none)")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "longest wait after sending for the last deliveries")
	fs.IntVar(&o.pid, "pid", 0, "server process ID: report its RSS per connection and its CPU use (Linux /proc)")
	fs.StringVar(&o.jsonOut, "json", "", "write the result as JSON to this file (- for stdout)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the tool's own CPU profile (pprof) to this file")
	fs.StringVar(&o.name, "name", "load", "username prefix of signed-up clients (<name>-<run>-<n>)")
	fs.IntVar(&o.history, "history", 0, "messages posted to the general channel (POST /channelMessage) before setup, so that joins read history")
	fs.StringVar(&o.probe, "probe", "", "after setup and sending, measure one request's reply latency: join (channelJoin general) or users (users first page)")
	fs.Float64Var(&o.probeRate, "probe-rate", 100, "probe requests per second in total over the probe clients")
	fs.DurationVar(&o.probeDuration, "probe-duration", 10*time.Second, "how long the probe sends")
	fs.IntVar(&o.probeClients, "probe-clients", 10, "extra clients (signed up fresh, joined to general) that send the probe requests")
	fs.IntVar(&o.seedUsers, "seed-users", 0, "sign this many users up over HTTP (POST /signUp), report, and exit (no other phase)")
	fs.IntVar(&o.seedConcurrency, "seed-concurrency", 32, "most sign-ups in flight with -seed-users")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.urls, err = wsURLs(*urls); err != nil {
		return o, err
	}
	if o.window < 0 {
		o.window = 0
		if o.rate == 0 {
			o.window = 1
		}
	}
	return o, o.check()
}

func (o options) check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if o.clients < 0 {
		bad("-clients must not be negative")
	}
	if o.senders < 0 || o.clients > 0 && o.senders > o.clients {
		bad("-senders must be between 0 and -clients")
	}
	if o.messages < 0 || o.rate < 0 || o.connectRate < 0 {
		bad("-messages, -rate and -connect-rate must not be negative")
	}
	if o.size < 1 {
		bad("-size must be at least 1")
	}
	if o.layout != layoutGeneral && o.layout != layoutPairs {
		bad("-layout must be %s or %s", layoutGeneral, layoutPairs)
	}
	if o.duration <= 0 || o.setupTimeout <= 0 || o.timeout <= 0 || o.drain < 0 || o.settle < 0 {
		bad("-duration, -setup-timeout and -timeout must be positive, -drain and -settle not negative")
	}
	if o.setupConcurrency < 1 {
		bad("-setup-concurrency must be at least 1")
	}
	if o.history < 0 || o.seedUsers < 0 {
		bad("-history and -seed-users must not be negative")
	}
	if o.probe != "" && o.probe != probeJoin && o.probe != probeUsers {
		bad("-probe must be %s or %s", probeJoin, probeUsers)
	}
	if o.probeRate <= 0 || o.probeDuration <= 0 || o.probeClients < 1 || o.seedConcurrency < 1 {
		bad("-probe-rate and -probe-duration must be positive, -probe-clients and -seed-concurrency at least 1")
	}
	if o.seedUsers > 0 && (o.keysFile != "" || o.probe != "" || o.history > 0) {
		bad("-seed-users runs alone: it takes no -keys, -probe or -history")
	}
	if o.name == "" || len(o.name) > 12 || strings.ContainsAny(o.name, " \"\\") {
		bad("-name must be 1 to 12 characters without spaces, quotes or backslashes")
	}
	return errors.Join(errs...)
}

// wsURLs turns comma-separated base URLs (http, https, ws, wss or bare
// host:port) into websocket URLs of /ws.
func wsURLs(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "://") {
			s = "http://" + s
		}
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("-url %q: %w", s, err)
		}
		switch u.Scheme {
		case "http", "ws":
			u.Scheme = "ws"
		case "https", "wss":
			u.Scheme = "wss"
		default:
			return nil, fmt.Errorf("-url %q: scheme must be http, https, ws or wss", s)
		}
		if !strings.HasSuffix(u.Path, "/ws") {
			u.Path = strings.TrimSuffix(u.Path, "/") + "/ws"
		}
		out = append(out, u.String())
	}
	if len(out) == 0 {
		return nil, errors.New("-url names no server")
	}
	return out, nil
}

package chatcore

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a limit of N requests per period, written "N/period" ("30/1m":
// thirty a minute); "0" is no limit. A subject may spend all N at once;
// they come back one every period/N (limits.go, GCRA).
type Rate struct {
	N   int
	Per time.Duration
}

// ParseRate reads a rate: "N/period" with a Go duration ("10/1h",
// "30/10s"), or "0" (or "") for none.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return Rate{}, nil
	}
	count, per, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if !ok || err != nil || n <= 0 {
		return Rate{}, fmt.Errorf("%q is not a rate: want N/period, such as 30/1m, or 0 for none", s)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d < time.Millisecond {
		return Rate{}, fmt.Errorf("%q is not a rate: the period must be a duration of 1ms or more, such as 1m", s)
	}
	return Rate{N: n, Per: d}, nil
}

// Decode reads a rate from an environment variable (envconfig.Decoder).
func (r *Rate) Decode(s string) error {
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// String writes the rate as ParseRate reads it.
func (r Rate) String() string {
	if r.Off() {
		return "0"
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

// interval is the time in which one spent request comes back, in whole
// milliseconds (at least 1): the script's unit.
func (r Rate) interval() int64 {
	return max(1, (r.Per / time.Duration(r.N)).Milliseconds())
}

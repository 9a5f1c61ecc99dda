package functions_test

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/redischat/chat/internal/chattest"
)

// families is one scrape, parsed: metric families by name.
type families map[string]*dto.MetricFamily

// scrape GETs url (a server's /metrics) and parses it as the Prometheus
// text format, strictly: a malformed line, a family given twice, a family
// without help or a counter whose name does not end in _total fails t.
func scrape(t *testing.T, url string) families {
	t.Helper()
	status, ctype, body := obsGet(t, http.MethodGet, url)
	if status != http.StatusOK || !strings.HasPrefix(ctype, "text/plain; version=0.0.4; charset=utf-8") {
		t.Fatalf("GET %s = %d %q", url, status, ctype)
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewBufferString(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	for name, f := range fams {
		if f.GetHelp() == "" {
			t.Errorf("%s has no help", name)
		}
		if f.GetType() == dto.MetricType_COUNTER && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s does not end in _total", name)
		}
		if len(f.GetMetric()) == 0 {
			t.Errorf("%s has no sample", name)
		}
	}
	return fams
}

// scrapeUntil scrapes url until ok holds of a scrape, and returns that
// scrape; it fails t after chattest.Wait. Histograms are observed just
// after the write or the handler they time, so a client can see a reply
// before its observation is counted.
func scrapeUntil(t *testing.T, url string, ok func(families) bool) families {
	t.Helper()
	deadline := time.Now().Add(chattest.Wait)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		f := scrape(t, url)
		if ok(f) {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics did not reach the expected figures in %v:\n%s", chattest.Wait, f.summary())
		}
		<-tick.C
	}
}

// value is the value of the gauge or counter name without labels, NaN
// when there is none.
func (f families) value(name string) float64 {
	fam := f[name]
	if fam == nil || len(fam.GetMetric()) != 1 {
		return math.NaN()
	}
	m := fam.GetMetric()[0]
	switch fam.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	}
	return math.NaN()
}

// series returns the samples of family name.
func (f families) series(name string) []*dto.Metric {
	if fam := f[name]; fam != nil {
		return fam.GetMetric()
	}
	return nil
}

// histCount is the observation count of histogram name's series whose
// label has value (label "" for a histogram without labels), 0 when there
// is no such series.
func (f families) histCount(name, label, value string) uint64 {
	for _, m := range f.series(name) {
		if label == "" || slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool {
			return l.GetName() == label && l.GetValue() == value
		}) {
			return m.GetHistogram().GetSampleCount()
		}
	}
	return 0
}

// summary lists the chat's own series, for a failure message.
func (f families) summary() string {
	var b strings.Builder
	for name, fam := range f {
		if !strings.HasPrefix(name, "chat_") {
			continue
		}
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue() + float64(m.GetHistogram().GetSampleCount())
			fmt.Fprintf(&b, "%s{%s} %v\n", name, strings.Join(labels, ","), v)
		}
	}
	return b.String()
}

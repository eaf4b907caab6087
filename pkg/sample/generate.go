package sample

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultSeed is the seed of the published sample. Counts in
// testdata/sample/README.md hold for this seed.
const DefaultSeed uint64 = 20240101

// HTTPRequest is one row of sample.http_requests.
type HTTPRequest struct {
	TS        time.Time
	Host      string
	Service   string
	Region    string
	Method    string
	Status    int32
	Requests  int64
	Errors    int64
	LatencyMS float64
	Bytes     int64
}

// Event is one row of sample.events. EventTime is a UTC wall-clock time
// (whole seconds); EventMS adds a millisecond part to it.
type Event struct {
	EventDate time.Time // midnight UTC of the event's day
	EventTime time.Time
	EventMS   int64
	EventS    int64
	UserID    int64
	Name      string
	Country   string
	// AmountCents is amount * 100 (NUMERIC(12,2) holds AmountCents/100).
	AmountCents int64
}

// Amount renders AmountCents as a decimal string with two places ("12.34").
func (e *Event) Amount() string { return FormatCents(e.AmountCents) }

// FormatCents renders cents as a decimal with two places.
func FormatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// Log is one row of sample.logs. Labels is a JSON object with a fixed key order.
type Log struct {
	TS      time.Time
	Level   string
	Message string
	Labels  string
	Service string
	Host    string
}

// Deploy is one row of sample.deploys.
type Deploy struct {
	TS      time.Time
	EndTS   time.Time
	Title   string
	Text    string
	Tags    []string
	Service string
}

// service describes one sample service.
type service struct {
	name         string
	peakPerMin   float64 // requests per minute per series at the diurnal peak
	latencyMS    float64 // typical latency
	bytesPerReq  float64
	logTemplates int
}

var services = [...]service{
	{"api", 900, 45, 2400, 0},
	{"web", 600, 80, 18000, 1},
	{"auth", 300, 25, 600, 2},
	{"search", 450, 120, 5200, 3},
	{"checkout", 120, 200, 3100, 4},
	{"media", 250, 60, 250000, 5},
}

const (
	numHosts  = 8
	numSeries = 24 // every (host, service) pair with host = s%8, service = s%6
)

// hostRegion maps host index (0-based) to its region and UTC offset in hours.
func hostRegion(h int) (string, float64) {
	switch {
	case h < 3:
		return "us-east-1", -5
	case h < 6:
		return "eu-west-1", 0
	default:
		return "ap-southeast-1", 8
	}
}

var hostNames = func() [numHosts]string {
	var n [numHosts]string
	for i := range n {
		n[i] = "web-" + strconv.Itoa(i+1)
	}
	return n
}()

type series struct {
	host, service, region string
	hostIdx, svcIdx       int
	utcOffset             float64
}

func allSeries() [numSeries]series {
	var out [numSeries]series
	for s := range out {
		h, v := s%numHosts, s%len(services)
		region, off := hostRegion(h)
		out[s] = series{host: hostNames[h], service: services[v].name, region: region, hostIdx: h, svcIdx: v, utcOffset: off}
	}
	return out
}

// incident is a window of elevated errors and latency.
type incident struct {
	start, end  time.Time
	service     string // "" = every service on host
	host        string // "" = every host of service
	status      int32
	errRate     float64
	latencyMult float64
	cause       string
}

func (in *incident) hits(sr *series, t time.Time) bool {
	if t.Before(in.start) || !t.Before(in.end) {
		return false
	}
	return (in.service == "" || in.service == sr.service) && (in.host == "" || in.host == sr.host)
}

// Generator produces the sample rows for one seed. It holds no mutable
// state: every iterator starts its own random streams.
type Generator struct {
	seed      uint64
	deploys   []Deploy
	incidents []incident

	countsOnce sync.Once
	counts     Counts // full sample
	emulator   Counts // BigQuery emulator subset
}

// New returns the generator of the published sample (DefaultSeed).
func New() *Generator { return NewWithSeed(DefaultSeed) }

// NewWithSeed returns a generator for another seed (for tests).
func NewWithSeed(seed uint64) *Generator {
	g := &Generator{seed: seed}
	g.deploys, g.incidents = g.plan()
	return g
}

// Stream identifiers keep each table's random numbers independent.
const (
	streamPlan uint64 = iota + 1
	streamHTTP
	streamEvents
	streamLogs
)

func (g *Generator) rng(stream, sub uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed^(stream*0x9E3779B97F4A7C15), sub+stream<<32))
}

var engineers = [...]string{"alice", "bob", "chen", "dana", "emeka", "farah", "goran", "hana"}

// plan builds the deploys and the incidents (some caused by deploys, which
// are then rolled back).
func (g *Generator) plan() ([]Deploy, []incident) {
	r := g.rng(streamPlan, 0)
	var deploys []Deploy
	var incidents []incident
	minor := [len(services)]int{}
	for day := Start; day.Before(End); day = day.Add(24 * time.Hour) {
		weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
		for v := range services {
			p := 0.45
			if weekend {
				p = 0.08
			}
			if r.Float64() >= p {
				continue
			}
			svc := services[v].name
			minor[v]++
			version := fmt.Sprintf("v%d.%d.0", 2+v%3, minor[v])
			ts := day.Add(time.Duration(9*60+r.IntN(8*60)) * time.Minute)
			end := ts.Add(time.Duration(3+r.IntN(18)) * time.Minute)
			who := engineers[r.IntN(len(engineers))]
			commit := fmt.Sprintf("%07x", r.Uint32()&0xfffffff)
			deploys = append(deploys, Deploy{
				TS: ts, EndTS: end, Service: svc,
				Title: fmt.Sprintf("Deploy %s %s", svc, version),
				Text:  fmt.Sprintf("Rolled out %s %s to us-east-1, eu-west-1 and ap-southeast-1 by %s (commit %s)", svc, version, who, commit),
				Tags:  []string{"deploy", "service:" + svc, "env:prod"},
			})
			if r.Float64() < 0.22 { // a bad release: errors until rolled back
				start := end.Add(time.Duration(2+r.IntN(8)) * time.Minute)
				stop := start.Add(time.Duration(8+r.IntN(40)) * time.Minute)
				status := int32(500)
				if r.IntN(3) == 0 {
					status = 503
				}
				incidents = append(incidents, incident{
					start: start, end: stop, service: svc, status: status,
					errRate: 0.15 + 0.45*r.Float64(), latencyMult: 2 + 4*r.Float64(),
					cause: "release " + version,
				})
				deploys = append(deploys, Deploy{
					TS: stop, EndTS: stop.Add(time.Duration(2+r.IntN(5)) * time.Minute), Service: svc,
					Title: fmt.Sprintf("Rollback %s %s", svc, version),
					Text:  fmt.Sprintf("Rolled back %s %s after elevated %d errors; paged %s", svc, version, status, engineers[r.IntN(len(engineers))]),
					Tags:  []string{"deploy", "rollback", "service:" + svc, "env:prod"},
				})
			}
		}
	}
	// Host failures unrelated to deploys.
	window := int(End.Sub(Start) / time.Minute)
	for range 7 {
		h := r.IntN(numHosts)
		start := Start.Add(time.Duration(r.IntN(window-120)) * time.Minute)
		incidents = append(incidents, incident{
			start: start, end: start.Add(time.Duration(5+r.IntN(50)) * time.Minute),
			host: hostNames[h], status: 503, errRate: 0.3 + 0.5*r.Float64(), latencyMult: 4 + 6*r.Float64(),
			cause: "host " + hostNames[h] + " unhealthy",
		})
	}
	slices.SortStableFunc(deploys, func(a, b Deploy) int { return a.TS.Compare(b.TS) })
	return deploys, incidents
}

// diurnal returns the traffic factor (0.3..1) for a UTC time seen from a
// region offset by utcOffset hours, with quieter weekends.
func diurnal(t time.Time, utcOffset float64) float64 {
	local := t.Add(time.Duration(utcOffset * float64(time.Hour)))
	h := float64(local.Hour()) + float64(local.Minute())/60
	f := 0.3 + 0.7*(0.5-0.5*math.Cos(2*math.Pi*(h-4)/24)) // trough 04:00, peak 16:00 local
	if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
		f *= 0.7
	}
	return f
}

// seriesIncidents lists, per series, the incidents that can affect it.
func (g *Generator) seriesIncidents(ss *[numSeries]series) *[numSeries][]*incident {
	var active [numSeries][]*incident
	for s := range ss {
		for i := range g.incidents {
			in := &g.incidents[i]
			if (in.service == "" || in.service == ss[s].service) && (in.host == "" || in.host == ss[s].host) {
				active[s] = append(active[s], in)
			}
		}
	}
	return &active
}

var methods = [...]string{"GET", "POST", "PUT", "DELETE"}

// HTTPRequests streams sample.http_requests ordered by (ts, series).
func (g *Generator) HTTPRequests() iter.Seq[HTTPRequest] {
	return func(yield func(HTTPRequest) bool) {
		ss := allSeries()
		active := g.seriesIncidents(&ss)
		var rngs [numSeries]*rand.Rand
		for s := range ss {
			rngs[s] = g.rng(streamHTTP, uint64(s))
		}
		for t := Start; t.Before(End); t = t.Add(time.Minute) {
			for s := range ss {
				sr, r, svc := &ss[s], rngs[s], &services[ss[s].svcIdx]
				f := diurnal(t, sr.utcOffset)
				requests := int64(math.Max(1, math.Round(svc.peakPerMin*f*(1+0.08*r.NormFloat64()))))
				errRate, latMult, incStatus := 0.002, 1.0, int32(0)
				for _, in := range active[s] {
					if in.hits(sr, t) {
						errRate, latMult, incStatus = in.errRate, in.latencyMult, in.status
					}
				}
				errs := int64(math.Round(float64(requests) * errRate * (0.5 + r.Float64())))
				errs = min(errs, requests)
				mu := r.Float64()
				method := methods[0]
				switch {
				case mu < 0.70:
				case mu < 0.90:
					method = methods[1]
				case mu < 0.96:
					method = methods[2]
				default:
					method = methods[3]
				}
				u := r.Float64()
				status := int32(200)
				switch {
				case incStatus != 0 && float64(errs) > 0.1*float64(requests):
					status = incStatus
				case u < 0.03:
					status = 404
				case u < 0.05:
					status = 301
				case u < 0.055:
					status = 500
				case u < 0.057:
					status = 503
				case method == "POST":
					status = 201
				}
				lat := svc.latencyMS * (1 + 0.3*f) * math.Exp(0.25*r.NormFloat64()) * latMult
				row := HTTPRequest{
					TS: t, Host: sr.host, Service: sr.service, Region: sr.region, Method: method,
					Status: status, Requests: requests, Errors: errs,
					LatencyMS: math.Round(lat*1000) / 1000,
					Bytes:     int64(float64(requests) * svc.bytesPerReq * (0.8 + 0.4*r.Float64())),
				}
				if !yield(row) {
					return
				}
			}
		}
	}
}

var (
	eventNames   = [...]string{"page_view", "search", "add_to_cart", "login", "signup", "purchase"}
	eventWeights = [...]float64{0.55, 0.15, 0.10, 0.10, 0.04, 0.06}
	countries    = [...]string{"US", "DE", "GB", "FR", "JP", "BR", "IN", "CA"}
	countryW     = [...]float64{0.35, 0.12, 0.10, 0.08, 0.08, 0.07, 0.12, 0.08}
)

func pick(r *rand.Rand, weights []float64) int {
	u := r.Float64()
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}

// Events streams sample.events ordered by event time.
func (g *Generator) Events() iter.Seq[Event] {
	return func(yield func(Event) bool) {
		r := g.rng(streamEvents, 0)
		offsets := make([]int, 0, 128)
		for hour := Start; hour.Before(End); hour = hour.Add(time.Hour) {
			n := int(math.Round(60 * diurnal(hour, -5) * (0.9 + 0.2*r.Float64())))
			offsets = offsets[:0]
			for range n {
				offsets = append(offsets, r.IntN(3600))
			}
			slices.Sort(offsets)
			day := time.Date(hour.Year(), hour.Month(), hour.Day(), 0, 0, 0, 0, time.UTC)
			for _, off := range offsets {
				t := hour.Add(time.Duration(off) * time.Second)
				u := r.Float64()
				e := Event{
					EventDate: day, EventTime: t,
					EventMS: t.UnixMilli() + int64(r.IntN(1000)), EventS: t.Unix(),
					UserID:  1000 + int64(u*u*20000),
					Name:    eventNames[pick(r, eventWeights[:])],
					Country: countries[pick(r, countryW[:])],
				}
				if e.Name == "purchase" {
					e.AmountCents = 500 + int64(r.IntN(25000))
				}
				if !yield(e) {
					return
				}
			}
		}
	}
}

var logMessages = [len(services)][4][]string{
	// debug, info, warn, error templates per service; %d is a number, %s a word.
	{{"cache miss for key user:%d"}, {"GET /api/v1/orders/%d completed in %d ms", "POST /api/v1/orders created order %d"}, {"slow query on orders (%d ms)"}, {"upstream timeout after %d ms (inventory)", "panic recovered: index out of range [%d]"}},
	{{"render template home.html (%d ms)"}, {"served / to %s in %d ms", "session %d started"}, {"asset bundle %d.js is stale"}, {"template error: missing key \"title\" in page %d"}},
	{{"token cache size %d"}, {"user \"%s\" logged in", "token refreshed for user %d"}, {"rate limit close for client %d"}, {"invalid signature for token %d", "LDAP bind failed: connection reset (attempt %d)"}},
	{{"query plan cached (%d terms)"}, {"search q=%s returned %d hits"}, {"index shard %d lagging"}, {"shard %d unavailable: café-replica timed out"}},
	{{"cart %d recalculated"}, {"payment authorized for order %d", "checkout completed in %d ms"}, {"retrying payment provider (attempt %d)"}, {"payment declined: card_error %d", "order %d stuck in state \"pending\""}},
	{{"thumbnail %d cached"}, {"uploaded image %d (%d KiB)"}, {"transcode queue depth %d"}, {"transcode failed for video %d: exit status 1"}},
}

var logWords = [...]string{"alice", "bob", "grafana", "kubernetes", "latency", "naïve", "o'brien", "sql"}

func formatLog(r *rand.Rand, tmpl string) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] == '%' && i+1 < len(tmpl) {
			switch tmpl[i+1] {
			case 'd':
				b.WriteString(strconv.Itoa(1 + r.IntN(9999)))
				i++
				continue
			case 's':
				b.WriteString(logWords[r.IntN(len(logWords))])
				i++
				continue
			}
		}
		b.WriteByte(tmpl[i])
	}
	return b.String()
}

var levels = [...]string{"debug", "info", "warn", "error"}

// Logs streams sample.logs ordered by minute (not strictly by ts within a minute).
func (g *Generator) Logs() iter.Seq[Log] {
	return func(yield func(Log) bool) {
		ss := allSeries()
		active := g.seriesIncidents(&ss)
		var rngs [numSeries]*rand.Rand
		for s := range ss {
			rngs[s] = g.rng(streamLogs, uint64(s))
		}
		for t := Start; t.Before(End); t = t.Add(time.Minute) {
			for s := range ss {
				sr, r := &ss[s], rngs[s]
				p, inc := 0.02, (*incident)(nil)
				for _, in := range active[s] {
					if in.hits(sr, t) {
						inc = in
					}
				}
				if inc != nil {
					p = 0.6
				}
				if r.Float64() >= p {
					continue
				}
				lvl := pick(r, []float64{0.15, 0.65, 0.15, 0.05})
				if inc != nil && r.Float64() < 0.8 {
					lvl = 3
				}
				tmpls := logMessages[sr.svcIdx][lvl]
				msg := formatLog(r, tmpls[r.IntN(len(tmpls))])
				pod := fmt.Sprintf("%s-%x", sr.service, r.Uint32()&0xfffff)
				labels := fmt.Sprintf(`{"env":"prod","region":%q,"pod":%q,"trace_id":"%016x"}`, sr.region, pod, r.Uint64())
				if inc != nil && lvl == 3 {
					msg += " (" + inc.cause + ")"
				}
				row := Log{
					TS: t.Add(time.Duration(r.IntN(60)) * time.Second), Level: levels[lvl], Message: msg,
					Labels: labels, Service: sr.service, Host: sr.host,
				}
				if !yield(row) {
					return
				}
			}
		}
	}
}

// Deploys streams sample.deploys ordered by ts.
func (g *Generator) Deploys() iter.Seq[Deploy] {
	return func(yield func(Deploy) bool) {
		for _, d := range g.deploys {
			d.Tags = slices.Clone(d.Tags)
			if !yield(d) {
				return
			}
		}
	}
}

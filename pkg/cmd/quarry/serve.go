package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/bigtent/quarry/pkg/plugin"
)

// cmdServe serves the plugin's query, health and resource endpoints over
// HTTP, in the shapes of Grafana's API, for local development and the
// frontend's browser tests. It listens on loopback unless --token is set,
// answers only requests whose Host names the address it listens on (no DNS
// rebinding), sends CORS headers only to the origins --allow-origin names,
// and with --token requires "Authorization: Bearer TOKEN".
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [connection flags] --addr 127.0.0.1:PORT [--uid UID] [--allow-origin ORIGIN] [--token TOKEN]")
	var cf connFlags
	cf.register(fs)
	addr := fs.String("addr", "127.0.0.1:3838", "address to listen on: loopback, or a specific address with --token")
	uid := fs.String("uid", "quarry", "data source uid in the URLs")
	var origins originList
	fs.Var(&origins, "allow-origin", "an origin (scheme://host:port) whose pages may call the server from the browser (CORS); repeatable")
	token := fs.String("token", "", "require Authorization: Bearer TOKEN on every request (also $QUARRY_SERVE_TOKEN)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("QUARRY_SERVE_TOKEN")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return &usageError{fmt.Errorf("--addr %q: %w", *addr, err)}
	}
	ip := net.ParseIP(host)
	switch {
	case host == "localhost" || ip != nil && ip.IsLoopback():
	case *token == "":
		return &usageError{fmt.Errorf("--addr %q: quarry serve listens on loopback (127.0.0.1 or ::1) unless --token sets a bearer token", *addr)}
	case ip == nil || ip.IsUnspecified():
		return &usageError{fmt.Errorf("--addr %q: name one IP address of this machine (the Host header is checked against it)", *addr)}
	}
	ds, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer ds.Dispose()
	jsonData, secure, _ := cf.config()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	opts := serveOptions{addr: ln.Addr().String(), origins: origins, token: *token}
	srv := &http.Server{Handler: newServer(ds, *uid, jsonData, secure, opts), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stdout, "quarry serve: ready on http://%s (data source uid %q, engine %s)\n", ln.Addr(), *uid, ds.Service().Config().Engine)
	if f, ok := e.stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// server adapts HTTP requests in Grafana's API shapes to the plugin.
type server struct {
	ds       *plugin.Datasource
	uid      string
	jsonData map[string]any
	secure   map[string]string
}

// serveOptions are the access rules of the server.
type serveOptions struct {
	// addr is the address the server listens on (host:port); requests must
	// name it in their Host header.
	addr string
	// origins may call from a browser page (CORS).
	origins []string
	// token, when set, is required as a bearer token.
	token string
}

func newServer(ds *plugin.Datasource, uid string, jsonData map[string]any, secure map[string]string, opts serveOptions) http.Handler {
	s := &server{ds: ds, uid: uid, jsonData: jsonData, secure: secure}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/ds/query", s.query)
	base := "/api/datasources/uid/" + uid
	mux.HandleFunc("GET "+base, s.datasource)
	mux.HandleFunc("GET "+base+"/health", s.health)
	mux.HandleFunc(base+"/resources/", s.resource)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return guard(opts, mux)
}

// originList is the repeatable --allow-origin flag.
type originList []string

func (o *originList) String() string { return strings.Join(*o, ",") }

func (o *originList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		s = strings.TrimRight(strings.TrimSpace(s), "/")
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || s == "*" {
			return fmt.Errorf("%q is not an origin such as http://127.0.0.1:5173 (no wildcard, no path)", s)
		}
		*o = append(*o, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return nil
}

// guard applies the access rules before next:
//
//   - Host must name the listening address: its port, and its IP, or any
//     loopback name when the server listens on loopback. A DNS name that
//     an attacker points at 127.0.0.1 (DNS rebinding) is refused.
//   - A browser request (with an Origin) must come from a page on a
//     loopback origin or an --allow-origin origin; others are refused, so
//     no foreign page can make the server run SQL even without reading
//     the answer.
//   - CORS headers go only to --allow-origin origins, echoing that exact
//     origin: never a wildcard, never an unlisted origin.
//   - With a token, every request but a preflight and /healthz needs
//     "Authorization: Bearer TOKEN" (compared in constant time).
func guard(opts serveOptions, next http.Handler) http.Handler {
	wantHost, wantPort, _ := net.SplitHostPort(opts.addr)
	wantIP := net.ParseIP(wantHost)
	loopback := wantHost == "localhost" || wantIP != nil && wantIP.IsLoopback()
	tokenSum := sha256.Sum256([]byte(opts.token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, wantIP, wantPort, loopback) {
			httpError(w, http.StatusMisdirectedRequest, "Host %q is not the address quarry serve listens on (%s); use http://%s", r.Host, opts.addr, opts.addr)
			return
		}
		origin := r.Header.Get("Origin")
		listed := origin != "" && slices.Contains(opts.origins, strings.ToLower(origin))
		if origin != "" && !listed && !loopbackOrigin(origin) {
			httpError(w, http.StatusForbidden, "requests from pages on %q are refused; start quarry serve with --allow-origin %s to allow them", origin, origin)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		if listed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-Dashboard-Uid, X-Panel-Id, X-Grafana-Org-Id, FromAlert")
			h.Set("Access-Control-Max-Age", "600")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.WriteHeader(http.StatusNoContent) // a preflight: it carries no credentials
			return
		}
		if opts.token != "" && r.URL.Path != "/healthz" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			gotSum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(gotSum[:], tokenSum[:]) != 1 {
				h.Set("WWW-Authenticate", `Bearer realm="quarry serve"`)
				httpError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <the --token value>")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed reports whether a request's Host header names the listening
// address: the same port, and the same IP, or any loopback name (localhost,
// 127.x, ::1) when the server listens on loopback.
func hostAllowed(hostHeader string, wantIP net.IP, wantPort string, loopback bool) bool {
	host, port, err := net.SplitHostPort(hostHeader)
	if err != nil || port != wantPort {
		return false
	}
	if loopback && strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	return ip.Equal(wantIP) || loopback && ip.IsLoopback()
}

// loopbackOrigin reports whether origin is a page served from this machine's
// loopback (a local dev server or test harness): http(s)://127.x, [::1] or
// localhost.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func writeHTTPJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	writeHTTPJSON(w, status, plugin.ErrorBody{Error: plugin.ErrorDetail{Message: fmt.Sprintf(format, args...)}})
}

// dsQueryRequest is the body of Grafana's POST /api/ds/query.
type dsQueryRequest struct {
	Queries []json.RawMessage `json:"queries"`
	From    string            `json:"from"`
	To      string            `json:"to"`
}

// dsQueryCommon are the fields Grafana reads from every query.
type dsQueryCommon struct {
	RefID         string `json:"refId"`
	QueryType     string `json:"queryType"`
	IntervalMs    int64  `json:"intervalMs"`
	MaxDataPoints int64  `json:"maxDataPoints"`
	TimeRange     *struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"timeRange"`
}

func (s *server) query(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading the body: %v", err)
		return
	}
	var req dsQueryRequest
	if err := json.Unmarshal(body, &req); err != nil {
		httpError(w, http.StatusBadRequest, "the body is not a /api/ds/query request: %v", err)
		return
	}
	if len(req.Queries) == 0 {
		httpError(w, http.StatusBadRequest, "queries is empty")
		return
	}
	now := time.Now()
	from, err := parseGrafanaTime(req.From, now.Add(-6*time.Hour), now)
	if err != nil {
		httpError(w, http.StatusBadRequest, "from: %v", err)
		return
	}
	to, err := parseGrafanaTime(req.To, now, now)
	if err != nil {
		httpError(w, http.StatusBadRequest, "to: %v", err)
		return
	}
	headers := map[string]string{}
	for _, h := range []string{"X-Dashboard-Uid", "X-Panel-Id"} {
		if v := r.Header.Get(h); v != "" {
			headers["http_"+h] = v
		}
	}
	if v := r.Header.Get(backend.FromAlertHeaderName); v != "" {
		headers[backend.FromAlertHeaderName] = v
	}
	qdr := &backend.QueryDataRequest{Headers: headers}
	for i, raw := range req.Queries {
		var c dsQueryCommon
		if err := json.Unmarshal(raw, &c); err != nil {
			httpError(w, http.StatusBadRequest, "queries[%d]: %v", i, err)
			return
		}
		if c.RefID == "" {
			c.RefID = string(rune('A' + i%26))
		}
		tr := backend.TimeRange{From: from, To: to}
		if c.TimeRange != nil {
			if tr.From, err = parseGrafanaTime(c.TimeRange.From, from, now); err == nil {
				tr.To, err = parseGrafanaTime(c.TimeRange.To, to, now)
			}
			if err != nil {
				httpError(w, http.StatusBadRequest, "queries[%d].timeRange: %v", i, err)
				return
			}
		}
		if c.IntervalMs <= 0 {
			c.IntervalMs = 1000
		}
		if c.MaxDataPoints <= 0 {
			c.MaxDataPoints = 1000
		}
		qdr.Queries = append(qdr.Queries, backend.DataQuery{
			RefID: c.RefID, QueryType: c.QueryType, JSON: raw, TimeRange: tr,
			Interval: time.Duration(c.IntervalMs) * time.Millisecond, MaxDataPoints: c.MaxDataPoints,
		})
	}
	resp, err := s.ds.QueryData(r.Context(), qdr)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	out, err := json.Marshal(resp)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "encoding frames: %v", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// parseGrafanaTime reads epoch milliseconds, RFC 3339, "now" or "now-6h".
func parseGrafanaTime(v string, def, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return def, nil
	case v == "now":
		return now, nil
	case strings.HasPrefix(v, "now-"):
		d, err := time.ParseDuration(strings.TrimPrefix(v, "now-"))
		if err != nil {
			if n, err2 := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, "now-"), "d")); err2 == nil && strings.HasSuffix(v, "d") {
				return now.Add(-time.Duration(n) * 24 * time.Hour), nil
			}
			return def, fmt.Errorf("%q is not now-<duration> such as now-6h", v)
		}
		return now.Add(-d), nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return def, fmt.Errorf("%q is not epoch milliseconds, RFC 3339 or now-<duration>", v)
	}
	return t, nil
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	res, err := s.ds.CheckHealth(r.Context(), &backend.CheckHealthRequest{})
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	status := http.StatusOK
	if res.Status != backend.HealthStatusOk {
		status = http.StatusBadRequest
	}
	var details any
	if len(res.JSONDetails) > 0 {
		details = json.RawMessage(res.JSONDetails)
	}
	writeHTTPJSON(w, status, map[string]any{"status": res.Status.String(), "message": res.Message, "details": details})
}

// datasource answers GET /api/datasources/uid/:uid like Grafana: the
// settings, with secrets reported only as set or not.
func (s *server) datasource(w http.ResponseWriter, _ *http.Request) {
	fields := map[string]bool{}
	for k := range s.secure {
		fields[k] = true
	}
	writeHTTPJSON(w, http.StatusOK, map[string]any{
		"uid": s.uid, "name": "Quarry (" + s.ds.Service().Config().Engine + ")", "type": plugin.PluginID,
		"access": "proxy", "jsonData": s.jsonData, "secureJsonFields": fields,
	})
}

func (s *server) resource(w http.ResponseWriter, r *http.Request) {
	prefix := "/api/datasources/uid/" + s.uid + "/resources/"
	path := strings.TrimPrefix(r.URL.Path, prefix)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
	if err != nil {
		httpError(w, http.StatusBadRequest, "reading the body: %v", err)
		return
	}
	rawURL := path
	if r.URL.RawQuery != "" {
		rawURL += "?" + r.URL.RawQuery
	}
	status, out := s.ds.Resource(r.Context(), r.Method, path, rawURL, body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

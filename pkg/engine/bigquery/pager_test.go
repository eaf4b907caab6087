package bigquery

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
)

// pager is a test-only HTTP front for the BigQuery emulator that adds the one
// API feature the emulator lacks: result paging. goccy/bigquery-emulator
// v0.6.6 ignores maxResults and pageToken and returns every row in one
// response. The pager forwards each request to the emulator unchanged, and
// for query results (jobs.query and jobs.getQueryResults) keeps the
// emulator's rows and serves them in pages of maxResults rows with page
// tokens, as BigQuery does. The data always comes from the real emulator.
type pager struct {
	emulator *url.URL
	proxy    *httputil.ReverseProxy
	// defaultPage is the page size when the client asks for none (BigQuery
	// pages are at most ~10 MB).
	defaultPage int

	mu    sync.Mutex
	cache map[string]*cachedResult // by job ID
	// pages counts pages served, by job ID.
	pages map[string]int
}

type cachedResult struct {
	header map[string]json.RawMessage
	rows   []json.RawMessage
}

var resultsPath = regexp.MustCompile(`/projects/[^/]+/queries/([^/?]+)$`)
var queryPath = regexp.MustCompile(`/projects/[^/]+/queries$`)

func newPager(t testing.TB, endpoint string, defaultPage int) (*pager, string) {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &pager{emulator: u, proxy: httputil.NewSingleHostReverseProxy(u), defaultPage: defaultPage,
		cache: map[string]*cachedResult{}, pages: map[string]int{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *pager) pagesServed(jobID string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pages[jobID]
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && resultsPath.MatchString(r.URL.Path):
		jobID := resultsPath.FindStringSubmatch(r.URL.Path)[1]
		q := r.URL.Query()
		size := p.defaultPage
		if m := q.Get("maxResults"); m != "" {
			size, _ = strconv.Atoi(m)
		}
		p.mu.Lock()
		res := p.cache[jobID]
		p.mu.Unlock()
		if res == nil {
			fq := url.Values{}
			for k, v := range q {
				if k != "maxResults" && k != "pageToken" {
					fq[k] = v
				}
			}
			body, status, err := p.forward(r.Context(), http.MethodGet, r.URL.Path+"?"+fq.Encode(), nil, r.Header)
			if err != nil || status != http.StatusOK {
				writeRaw(w, status, body)
				return
			}
			if res, err = parseResult(body); err != nil {
				writeRaw(w, http.StatusBadGateway, []byte(err.Error()))
				return
			}
			p.mu.Lock()
			p.cache[jobID] = res
			p.mu.Unlock()
		}
		start, _ := strconv.Atoi(q.Get("pageToken"))
		p.servePage(w, jobID, res, start, size)
	case r.Method == http.MethodPost && queryPath.MatchString(r.URL.Path):
		reqBody, _ := io.ReadAll(r.Body)
		var req struct {
			MaxResults int `json:"maxResults"`
		}
		_ = json.Unmarshal(reqBody, &req)
		body, status, err := p.forward(r.Context(), http.MethodPost, r.URL.RequestURI(), reqBody, r.Header)
		if err != nil || status != http.StatusOK {
			writeRaw(w, status, body)
			return
		}
		res, err := parseResult(body)
		if err != nil {
			writeRaw(w, http.StatusBadGateway, []byte(err.Error()))
			return
		}
		var ref struct {
			JobID string `json:"jobId"`
		}
		_ = json.Unmarshal(res.header["jobReference"], &ref)
		p.mu.Lock()
		p.cache[ref.JobID] = res
		p.mu.Unlock()
		size := p.defaultPage
		if req.MaxResults > 0 {
			size = req.MaxResults
		}
		p.servePage(w, ref.JobID, res, 0, size)
	default:
		p.proxy.ServeHTTP(w, r)
	}
}

// forward sends a request to the emulator and returns its body and status.
func (p *pager) forward(ctx context.Context, method, uri string, body []byte, h http.Header) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.emulator.Scheme+"://"+p.emulator.Host+uri, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header = h.Clone()
	req.Header.Del("Accept-Encoding") // let the transport decompress
	req.Header.Del("Content-Length")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return []byte(err.Error()), http.StatusBadGateway, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return out, resp.StatusCode, err
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	if status == 0 {
		status = http.StatusBadGateway
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func parseResult(body []byte) (*cachedResult, error) {
	var header map[string]json.RawMessage
	if err := json.Unmarshal(body, &header); err != nil {
		return nil, err
	}
	res := &cachedResult{header: header}
	if raw, ok := header["rows"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &res.rows); err != nil {
			return nil, err
		}
	}
	delete(header, "rows")
	delete(header, "pageToken")
	return res, nil
}

// servePage writes rows [start, start+size) with a pageToken for the rest.
// size 0 (the client's "wait for the job" call) returns no rows.
func (p *pager) servePage(w http.ResponseWriter, jobID string, res *cachedResult, start, size int) {
	end := min(start+size, len(res.rows))
	start = min(start, end)
	var b bytes.Buffer
	b.WriteByte('{')
	for k, v := range res.header {
		b.WriteString(strconv.Quote(k))
		b.WriteByte(':')
		b.Write(v)
		b.WriteByte(',')
	}
	b.WriteString(`"rows":[`)
	for i, row := range res.rows[start:end] {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(row)
	}
	b.WriteByte(']')
	if end < len(res.rows) && size > 0 {
		b.WriteString(`,"pageToken":"` + strconv.Itoa(end) + `"`)
	}
	b.WriteByte('}')
	if size > 0 {
		p.mu.Lock()
		p.pages[jobID]++
		p.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b.Bytes())
}

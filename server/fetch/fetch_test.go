package fetch

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testServer is a loopback server that counts the requests it serves.
type testServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newServer(t *testing.T, tlsOn bool, h http.HandlerFunc) *testServer {
	t.Helper()
	ts := &testServer{}
	counting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.hits.Add(1)
		h(w, r)
	})
	ts.Server = httptest.NewUnstartedServer(counting)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if tlsOn {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts
}

func newTLS(t *testing.T, h http.HandlerFunc) *testServer { return newServer(t, true, h) }

func jsonHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

// counterHandler answers {"n":N}, N counting from 1, so a test can tell a
// cached body from a refetched one.
func counterHandler() http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"n":%d}`, n.Add(1))
	}
}

// pool trusts the test server's certificate.
func pool(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// testFetcher trusts srv and allows loopback, the explicit test switch.
func testFetcher(srv *httptest.Server, opts Options) *Fetcher {
	if srv != nil && srv.TLS != nil && opts.RootCAs == nil {
		opts.RootCAs = pool(srv)
	}
	return New(opts)
}

// clock is a settable time source for cache and rate-limit tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mapResolver answers from a fixed table and counts lookups; an unknown
// name is an error, so nothing ever reaches real DNS.
type mapResolver struct {
	hosts   map[string][]netip.Addr
	lookups atomic.Int64
}

func (r *mapResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.lookups.Add(1)
	if a, ok := r.hosts[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func port(t *testing.T, s *httptest.Server) string {
	t.Helper()
	_, p, err := net.SplitHostPort(s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustGet(t *testing.T, f *Fetcher, url string) string {
	t.Helper()
	b, err := f.Get(context.Background(), url)
	if err != nil {
		t.Fatalf("Get(%s): %v", url, err)
	}
	return string(b)
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want kind %q", err, kind)
	}
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %T is not *fetch.Error", err)
	}
}

func TestNewDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Options
		want Options
	}{
		{"zero value", Options{}, Options{
			Timeout: 5 * time.Second, MaxBytes: 256 << 10, CacheTTL: 5 * time.Minute,
			MaxCacheEntries: 1024, MaxCacheBytes: 16 << 20, RefreshInterval: 10 * time.Second, UserAgent: "registrar",
		}},
		{"negative values", Options{Timeout: -1, MaxBytes: -1, CacheTTL: -1, MaxCacheEntries: -1, MaxCacheBytes: -1, RefreshInterval: -1}, Options{
			Timeout: 5 * time.Second, MaxBytes: 256 << 10, CacheTTL: -1,
			MaxCacheEntries: 1024, MaxCacheBytes: 16 << 20, RefreshInterval: 10 * time.Second, UserAgent: "registrar",
		}},
		{"explicit values kept", Options{Timeout: time.Second, MaxBytes: 10, CacheTTL: time.Hour, MaxCacheEntries: 3, MaxCacheBytes: 99, RefreshInterval: time.Minute, UserAgent: "x/1"}, Options{
			Timeout: time.Second, MaxBytes: 10, CacheTTL: time.Hour,
			MaxCacheEntries: 3, MaxCacheBytes: 99, RefreshInterval: time.Minute, UserAgent: "x/1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := New(tt.in).opts
			if got.Resolver != net.DefaultResolver {
				t.Errorf("Resolver = %v, want net.DefaultResolver", got.Resolver)
			}
			got.Resolver = nil
			if got != tt.want {
				t.Errorf("opts = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestGetSuccess(t *testing.T) {
	const jwks = `{"keys":[]}`
	var gotUA, gotAccept atomic.Value
	srv := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAccept.Store(r.Header.Get("Accept"))
		jsonHandler(jwks)(w, r)
	})
	tests := []struct {
		name   string
		opts   Options
		wantUA string
	}{
		{"default user agent", Options{AllowPrivate: true}, "registrar"},
		{"custom user agent", Options{AllowPrivate: true, UserAgent: "registrar-test/1"}, "registrar-test/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFetcher(srv.Server, tt.opts)
			if got := mustGet(t, f, srv.URL+"/jwks"); got != jwks {
				t.Errorf("body = %q, want %q", got, jwks)
			}
			if ua := gotUA.Load(); ua != tt.wantUA {
				t.Errorf("User-Agent = %q, want %q", ua, tt.wantUA)
			}
			if a, _ := gotAccept.Load().(string); !strings.Contains(a, "application/json") {
				t.Errorf("Accept = %q, want application/json in it", a)
			}
		})
	}
}

func TestReturnedBodyIsCallersOwn(t *testing.T) {
	srv := newTLS(t, jsonHandler(`{"keys":[]}`))
	f := testFetcher(srv.Server, Options{AllowPrivate: true})
	b, err := f.Get(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	if got := mustGet(t, f, srv.URL); got != `{"keys":[]}` {
		t.Errorf("cached body changed by caller: %q", got)
	}
}

func TestCache(t *testing.T) {
	tests := []struct {
		name     string
		ttl      time.Duration
		steps    []time.Duration // clock advance before each Get after the first
		wantHits int64
		wantLast string
	}{
		{"hit within default TTL", 0, []time.Duration{0, time.Minute, 3 * time.Minute}, 1, `{"n":1}`},
		{"hit just before TTL", time.Minute, []time.Duration{59 * time.Second}, 1, `{"n":1}`},
		{"miss at TTL", time.Minute, []time.Duration{time.Minute}, 2, `{"n":2}`},
		{"miss after default TTL", 0, []time.Duration{5*time.Minute + time.Second}, 2, `{"n":2}`},
		{"expired then cached again", time.Minute, []time.Duration{2 * time.Minute, 30 * time.Second}, 2, `{"n":2}`},
		{"cache disabled", -1, []time.Duration{0, 0}, 3, `{"n":3}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTLS(t, counterHandler())
			f := testFetcher(srv.Server, Options{AllowPrivate: true, CacheTTL: tt.ttl})
			clk := newClock()
			f.now = clk.Now
			last := mustGet(t, f, srv.URL+"/jwks")
			for _, d := range tt.steps {
				clk.Advance(d)
				last = mustGet(t, f, srv.URL+"/jwks")
			}
			if got := srv.hits.Load(); got != tt.wantHits {
				t.Errorf("server hits = %d, want %d", got, tt.wantHits)
			}
			if last != tt.wantLast {
				t.Errorf("last body = %s, want %s", last, tt.wantLast)
			}
		})
	}
}

func TestCacheBound(t *testing.T) {
	tests := []struct {
		name     string
		gets     []string // paths, in order
		wantHits int64
		wantKeys int
	}{
		{"within bound all cached", []string{"/a", "/b", "/a", "/b"}, 2, 2},
		{"oldest evicted", []string{"/a", "/b", "/c", "/b", "/c", "/a"}, 4, 2},
		{"least recently used evicted, not oldest", []string{"/a", "/b", "/a", "/c", "/a", "/b"}, 4, 2},
		{"many URLs stay bounded", []string{"/1", "/2", "/3", "/4", "/5", "/6", "/7"}, 7, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTLS(t, counterHandler())
			f := testFetcher(srv.Server, Options{AllowPrivate: true, MaxCacheEntries: 2})
			for _, p := range tt.gets {
				mustGet(t, f, srv.URL+p)
			}
			if got := srv.hits.Load(); got != tt.wantHits {
				t.Errorf("server hits = %d, want %d", got, tt.wantHits)
			}
			f.mu.Lock()
			n, l := len(f.cache), f.lru.Len()
			f.mu.Unlock()
			if n != tt.wantKeys || l != tt.wantKeys {
				t.Errorf("cache holds %d keys, %d list entries; want %d", n, l, tt.wantKeys)
			}
		})
	}
}

// TestCacheByteBound: the bodies cached stay within MaxCacheBytes, however
// many URLs are fetched.
func TestCacheByteBound(t *testing.T) {
	srv := newTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 1000))
	}))
	f := testFetcher(srv.Server, Options{AllowPrivate: true, MaxCacheBytes: 3500})
	for i := range 20 {
		mustGet(t, f, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var total int64
	for el := f.lru.Front(); el != nil; el = el.Next() {
		total += int64(len(el.Value.(*entry).body))
	}
	if f.lru.Len() != 3 || total != 3000 || f.bytes != total {
		t.Fatalf("cache holds %d entries, %d bytes (counted %d); want 3 entries, 3000 bytes", f.lru.Len(), total, f.bytes)
	}
}

func TestRefresh(t *testing.T) {
	type step struct {
		advance time.Duration
		refresh bool // Refresh, else Get
		want    string
	}
	tests := []struct {
		name     string
		steps    []step
		wantHits int64
	}{
		{"refresh without cache entry fetches", []step{{0, true, `{"n":1}`}}, 1},
		{"refresh right after get is rate-limited", []step{{0, false, `{"n":1}`}, {0, true, `{"n":1}`}}, 1},
		{"refresh after interval bypasses fresh cache and refills it", []step{
			{0, false, `{"n":1}`}, {11 * time.Second, true, `{"n":2}`}, {0, false, `{"n":2}`},
		}, 2},
		{"flood of refreshes makes one fetch per interval", []step{
			{0, true, `{"n":1}`}, {time.Second, true, `{"n":1}`}, {time.Second, true, `{"n":1}`},
			{time.Second, true, `{"n":1}`}, {7 * time.Second, true, `{"n":2}`}, {time.Second, true, `{"n":2}`},
		}, 2},
		{"get serves refreshed body from cache", []step{
			{0, true, `{"n":1}`}, {10 * time.Second, true, `{"n":2}`}, {time.Minute, false, `{"n":2}`},
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTLS(t, counterHandler())
			f := testFetcher(srv.Server, Options{AllowPrivate: true})
			clk := newClock()
			f.now = clk.Now
			for i, s := range tt.steps {
				clk.Advance(s.advance)
				get := f.Get
				if s.refresh {
					get = f.Refresh
				}
				b, err := get(context.Background(), srv.URL+"/jwks")
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if string(b) != s.want {
					t.Errorf("step %d: body %s, want %s", i, b, s.want)
				}
			}
			if got := srv.hits.Load(); got != tt.wantHits {
				t.Errorf("server hits = %d, want %d", got, tt.wantHits)
			}
		})
	}
}

// TestRefreshFailureRateLimited: a failing URL is not hammered by Refresh
// either; Get is not rate-limited and retries.
func TestRefreshFailureRateLimited(t *testing.T) {
	srv := newTLS(t, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "secret internal detail", http.StatusInternalServerError)
	})
	f := testFetcher(srv.Server, Options{AllowPrivate: true})
	clk := newClock()
	f.now = clk.Now
	ctx := context.Background()
	for i := range 5 {
		_, err := f.Refresh(ctx, srv.URL)
		wantKind(t, err, ErrStatus)
		if strings.Contains(err.Error(), "secret") {
			t.Fatalf("error %q leaks the response body", err)
		}
		clk.Advance(time.Second)
		_ = i
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("hits after refresh flood = %d, want 1", got)
	}
	clk.Advance(10 * time.Second)
	_, err := f.Refresh(ctx, srv.URL)
	wantKind(t, err, ErrStatus)
	_, err = f.Get(ctx, srv.URL)
	wantKind(t, err, ErrStatus)
	if got := srv.hits.Load(); got != 3 {
		t.Errorf("hits = %d, want 3", got)
	}
}

// TestRefreshKeepsBodyOnFailure: a failed refresh keeps the last good body,
// which later rate-limited refreshes serve.
func TestRefreshKeepsBodyOnFailure(t *testing.T) {
	var fail atomic.Bool
	srv := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		jsonHandler(`{"keys":[]}`)(w, r)
	})
	f := testFetcher(srv.Server, Options{AllowPrivate: true})
	clk := newClock()
	f.now = clk.Now
	ctx := context.Background()
	mustGet(t, f, srv.URL)
	fail.Store(true)
	clk.Advance(time.Minute)
	if _, err := f.Refresh(ctx, srv.URL); !errors.Is(err, ErrStatus) {
		t.Fatalf("refresh against a failing server: %v, want ErrStatus", err)
	}
	b, err := f.Refresh(ctx, srv.URL)
	if err != nil || string(b) != `{"keys":[]}` {
		t.Fatalf("rate-limited refresh = %q, %v; want last good body", b, err)
	}
	if got := mustGet(t, f, srv.URL); got != `{"keys":[]}` {
		t.Errorf("get within TTL = %q, want last good body", got)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("hits = %d, want 2", got)
	}
}

func TestConcurrentGetsCollapse(t *testing.T) {
	const n = 10
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	srv := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		jsonHandler(`{"keys":[]}`)(w, r)
	})
	f := testFetcher(srv.Server, Options{AllowPrivate: true})
	url := srv.URL + "/jwks"

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			get := f.Get
			if i%2 == 1 {
				get = f.Refresh // Refresh joins an in-flight fetch too
			}
			b, err := get(context.Background(), url)
			if err == nil && string(b) != `{"keys":[]}` {
				err = fmt.Errorf("body %q", b)
			}
			errs <- err
		})
	}
	<-arrived
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		c := f.calls[url]
		joined := c != nil && c.dups == n-1
		f.mu.Unlock()
		if joined {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("callers did not join the in-flight fetch")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want 1", got)
	}
}

// TestWaiterGivesUp: a caller whose context ends stops waiting, and the
// shared fetch still completes and fills the cache for the others.
func TestWaiterGivesUp(t *testing.T) {
	release := make(chan struct{})
	srv := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		jsonHandler(`{"keys":[]}`)(w, r)
	})
	f := testFetcher(srv.Server, Options{AllowPrivate: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := f.Get(ctx, srv.URL)
	wantKind(t, err, ErrTimeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not unwrap to context.DeadlineExceeded", err)
	}
	close(release)
	if got := mustGet(t, f, srv.URL); got != `{"keys":[]}` {
		t.Errorf("body = %q", got)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want 1 (the abandoned fetch completed and was cached)", got)
	}
}

func TestCanceledContext(t *testing.T) {
	srv := newTLS(t, jsonHandler(`{}`))
	f := testFetcher(srv.Server, Options{AllowPrivate: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Get(ctx, srv.URL)
	wantKind(t, err, ErrCanceled)
	if got := srv.hits.Load(); got != 0 {
		t.Errorf("server hits = %d, want 0", got)
	}
}

func TestSchemes(t *testing.T) {
	plain := newServer(t, false, jsonHandler(`{"plain":true}`))
	secure := newTLS(t, jsonHandler(`{"secure":true}`))
	tests := []struct {
		name     string
		url      string
		opts     Options
		wantErr  error
		wantBody string
	}{
		{"http refused by default", plain.URL, Options{AllowPrivate: true}, ErrNotHTTPS, ""},
		{"http allowed with AllowHTTP", plain.URL, Options{AllowPrivate: true, AllowHTTP: true}, nil, `{"plain":true}`},
		{"https with AllowHTTP", secure.URL, Options{AllowPrivate: true, AllowHTTP: true}, nil, `{"secure":true}`},
		{"upper-case scheme", strings.Replace(secure.URL, "https", "HTTPS", 1), Options{AllowPrivate: true}, nil, `{"secure":true}`},
		{"ftp refused with AllowHTTP", "ftp://127.0.0.1/x", Options{AllowPrivate: true, AllowHTTP: true}, ErrNotHTTPS, ""},
		{"https to plain server fails TLS", strings.Replace(plain.URL, "http", "https", 1), Options{AllowPrivate: true}, ErrTLS, ""},
		{"untrusted certificate", secure.URL, Options{AllowPrivate: true, RootCAs: x509.NewCertPool()}, ErrTLS, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFetcher(secure.Server, tt.opts)
			b, err := f.Get(context.Background(), tt.url)
			if tt.wantErr != nil {
				wantKind(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.wantBody {
				t.Errorf("body = %s, want %s", b, tt.wantBody)
			}
		})
	}
	if got := plain.hits.Load(); got != 1 {
		t.Errorf("plain server hits = %d, want 1 (only the AllowHTTP case)", got)
	}
}

// TestAddressPolicy proves the dial-time check: the servers are up on
// loopback and trusted, yet without AllowPrivate nothing reaches them,
// whether the URL names a loopback literal or a host name that resolves to
// one. The resolver cases use the certificate's own name, example.com,
// mapped to 127.0.0.1, so the same URL succeeds with AllowPrivate.
func TestAddressPolicy(t *testing.T) {
	srv := newTLS(t, jsonHandler(`{"keys":[]}`))
	p := port(t, srv.Server)

	// An IPv6 loopback server, where the host has IPv6.
	var srv6 *testServer
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		srv6 = &testServer{}
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			srv6.hits.Add(1)
			jsonHandler(`{"keys":[]}`)(w, r)
		}))
		s.Listener = ln
		s.StartTLS()
		srv6.Server = s
		t.Cleanup(s.Close)
	}
	p6 := p
	if srv6 != nil {
		p6 = port(t, srv6.Server)
	}

	resolver := &mapResolver{hosts: map[string][]netip.Addr{
		"example.com":       addrs("127.0.0.1"),
		"rebind.example":    addrs("127.0.0.1"),
		"mapped.example":    addrs("::ffff:127.0.0.1"),
		"mixed.example":     addrs("8.8.8.8", "127.0.0.1"), // refused whole: 8.8.8.8 is never dialed
		"metadata.example":  addrs("169.254.169.254"),
		"private.example":   addrs("10.0.0.1", "192.168.0.1"),
		"empty.example":     nil,
		"unspecified.local": addrs("0.0.0.0"),
	}}
	tests := []struct {
		name    string
		url     string
		private bool // AllowPrivate
		custom  bool // use the map resolver
		needV6  bool
		wantErr error
	}{
		{"127.0.0.1 literal refused", "https://127.0.0.1:" + p + "/", false, false, false, ErrForbiddenAddress},
		{"127.0.0.2 literal refused", "https://127.0.0.2:" + p + "/", false, false, false, ErrForbiddenAddress},
		{"[::1] literal refused", "https://[::1]:" + p6 + "/", false, false, false, ErrForbiddenAddress},
		{"[::ffff:127.0.0.1] literal refused", "https://[::ffff:127.0.0.1]:" + p + "/", false, false, false, ErrForbiddenAddress},
		{"0.0.0.0 literal refused", "https://0.0.0.0:" + p + "/", false, false, false, ErrForbiddenAddress},
		{"metadata literal refused", "http://169.254.169.254/latest/meta-data/", false, false, false, ErrNotHTTPS},
		{"metadata literal over https refused", "https://169.254.169.254/latest/meta-data/", false, false, false, ErrForbiddenAddress},
		{"localhost refused at dial time", "https://localhost:" + p + "/", false, false, false, ErrForbiddenAddress},
		{"name resolving to 127.0.0.1 refused", "https://example.com:" + p + "/", false, true, false, ErrForbiddenAddress},
		{"rebinding name refused", "https://rebind.example:" + p + "/", false, true, false, ErrForbiddenAddress},
		{"name resolving to mapped loopback refused", "https://mapped.example:" + p + "/", false, true, false, ErrForbiddenAddress},
		{"name with one private address refused", "https://mixed.example:" + p + "/", false, true, false, ErrForbiddenAddress},
		{"name resolving to metadata refused", "https://metadata.example/", false, true, false, ErrForbiddenAddress},
		{"name resolving to private refused", "https://private.example/", false, true, false, ErrForbiddenAddress},
		{"name resolving to 0.0.0.0 refused", "https://unspecified.local:" + p + "/", false, true, false, ErrForbiddenAddress},
		{"name with no addresses unreachable", "https://empty.example/", false, true, false, ErrUnreachable},
		{"unknown name unreachable", "https://nxdomain.example/", false, true, false, ErrUnreachable},

		{"127.0.0.1 allowed with AllowPrivate", "https://127.0.0.1:" + p + "/", true, false, false, nil},
		{"name resolving to 127.0.0.1 allowed with AllowPrivate", "https://example.com:" + p + "/", true, true, false, nil},
		{"mapped loopback allowed with AllowPrivate", "https://mapped.example:" + p + "/", true, true, false, ErrTLS}, // certificate does not name it
		{"[::1] allowed with AllowPrivate", "https://[::1]:" + p6 + "/", true, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needV6 && srv6 == nil {
				t.Skip("needs an IPv6 loopback: this machine cannot listen on [::1] (enable IPv6 on lo to run it); the IPv4 cases cover the same checks")
			}
			opts := Options{AllowPrivate: tt.private, RootCAs: pool(srv.Server)}
			if tt.custom {
				opts.Resolver = resolver
			}
			before, before6 := srv.hits.Load(), int64(0)
			if srv6 != nil {
				before6 = srv6.hits.Load()
			}
			b, err := New(opts).Get(context.Background(), tt.url)
			if tt.wantErr != nil {
				wantKind(t, err, tt.wantErr)
				if tt.wantErr == ErrForbiddenAddress {
					if err.Error() != "address not allowed" {
						t.Errorf("Error() = %q, want %q", err.Error(), "address not allowed")
					}
					if srv.hits.Load() != before || (srv6 != nil && srv6.hits.Load() != before6) {
						t.Error("a refused fetch reached the server")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != `{"keys":[]}` {
				t.Errorf("body = %s", b)
			}
		})
	}
}

func TestResponses(t *testing.T) {
	const max = 1024
	big := strings.Repeat("x", max+1)
	exact := strings.Repeat("y", max)
	mux := http.NewServeMux()
	var followed atomic.Int64
	mux.HandleFunc("/target", func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
		jsonHandler(`{}`)(w, r)
	})
	for _, code := range []int{301, 302, 303, 307, 308} {
		mux.HandleFunc(fmt.Sprintf("/redirect/%d", code), func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/target", code)
		})
	}
	for _, code := range []int{201, 204, 304, 400, 401, 404, 500, 503} {
		mux.HandleFunc(fmt.Sprintf("/status/%d", code), func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(code)
			if code != 204 && code != 304 {
				fmt.Fprint(w, "internal stack trace at 10.1.2.3")
			}
		})
	}
	mux.HandleFunc("/big/length", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(big)))
		fmt.Fprint(w, big)
	})
	mux.HandleFunc("/big/chunked", func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i < len(big); i += 100 {
			fmt.Fprint(w, big[i:min(i+100, len(big))])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, exact) })
	mux.HandleFunc("/empty", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html></html>")
	})
	srv := newTLS(t, mux.ServeHTTP)

	tests := []struct {
		name     string
		path     string
		wantErr  error
		wantMsg  string
		wantBody string
	}{
		{"301 not followed", "/redirect/301", ErrRedirect, "redirect not followed (status 301)", ""},
		{"302 not followed", "/redirect/302", ErrRedirect, "redirect not followed (status 302)", ""},
		{"303 not followed", "/redirect/303", ErrRedirect, "redirect not followed (status 303)", ""},
		{"307 not followed", "/redirect/307", ErrRedirect, "redirect not followed (status 307)", ""},
		{"308 not followed", "/redirect/308", ErrRedirect, "redirect not followed (status 308)", ""},
		{"304 is a redirect-class status", "/status/304", ErrRedirect, "redirect not followed (status 304)", ""},
		{"201", "/status/201", ErrStatus, "unexpected status 201", ""},
		{"204", "/status/204", ErrStatus, "unexpected status 204", ""},
		{"400", "/status/400", ErrStatus, "unexpected status 400", ""},
		{"401", "/status/401", ErrStatus, "unexpected status 401", ""},
		{"404", "/status/404", ErrStatus, "unexpected status 404", ""},
		{"500", "/status/500", ErrStatus, "unexpected status 500", ""},
		{"503", "/status/503", ErrStatus, "unexpected status 503", ""},
		{"oversized with Content-Length", "/big/length", ErrTooLarge, "response larger than 1024 bytes", ""},
		{"oversized chunked", "/big/chunked", ErrTooLarge, "response larger than 1024 bytes", ""},
		{"exactly MaxBytes accepted", "/exact", nil, "", exact},
		{"empty 200 body", "/empty", nil, "", ""},
		{"content type not required to be JSON", "/html", nil, "", "<html></html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFetcher(srv.Server, Options{AllowPrivate: true, MaxBytes: max})
			b, err := f.Get(context.Background(), srv.URL+tt.path)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if string(b) != tt.wantBody {
					t.Errorf("body = %.40q, want %.40q", b, tt.wantBody)
				}
				return
			}
			wantKind(t, err, tt.wantErr)
			if b != nil {
				t.Errorf("body = %.40q with error, want nil", b)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.wantMsg)
			}
			var fe *Error
			errors.As(err, &fe)
			if (tt.wantErr == ErrStatus || tt.wantErr == ErrRedirect) && fe.Status == 0 {
				t.Error("Status not set")
			}
		})
	}
	if got := followed.Load(); got != 0 {
		t.Errorf("redirect target fetched %d times, want 0", got)
	}
}

func TestTimeout(t *testing.T) {
	srv := newTLS(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-headers":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/slow-body":
			w.Header().Set("Content-Length", "100")
			fmt.Fprint(w, "{")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	})
	tests := []struct {
		name string
		path string
	}{
		{"slow headers", "/slow-headers"},
		{"slow body", "/slow-body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testFetcher(srv.Server, Options{AllowPrivate: true, Timeout: 200 * time.Millisecond})
			start := time.Now()
			_, err := f.Get(context.Background(), srv.URL+tt.path)
			wantKind(t, err, ErrTimeout)
			if err.Error() != "timed out" {
				t.Errorf("Error() = %q, want %q", err.Error(), "timed out")
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v with a 200ms timeout", d)
			}
		})
	}
}

// TestURLRules: bad URLs are refused before any lookup or connection.
func TestURLRules(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", MaxURLLength)
	tests := []struct {
		name    string
		url     string
		opts    Options
		wantErr error
		wantMsg string
	}{
		{"empty", "", Options{}, ErrInvalidURL, "invalid URL: empty"},
		{"relative path", "jwks.json", Options{}, ErrInvalidURL, "invalid URL: not absolute"},
		{"absolute path", "/.well-known/jwks.json", Options{}, ErrInvalidURL, "invalid URL: not absolute"},
		{"scheme-relative", "//example.com/jwks", Options{}, ErrInvalidURL, "invalid URL: not absolute"},
		{"userinfo", "https://user:pass@example.com/jwks", Options{}, ErrInvalidURL, "invalid URL: userinfo not allowed"},
		{"user only", "https://user@example.com/jwks", Options{}, ErrInvalidURL, "invalid URL: userinfo not allowed"},
		{"empty userinfo", "https://@example.com/jwks", Options{}, ErrInvalidURL, "invalid URL: userinfo not allowed"},
		{"fragment", "https://example.com/jwks#keys", Options{}, ErrInvalidURL, "invalid URL: fragment not allowed"},
		{"empty fragment", "https://example.com/jwks#", Options{}, ErrInvalidURL, "invalid URL: fragment not allowed"},
		{"no host", "https:///jwks", Options{}, ErrInvalidURL, "invalid URL: no host"},
		{"port only", "https://:443/jwks", Options{}, ErrInvalidURL, "invalid URL: no host"},
		{"opaque", "https:example.com", Options{}, ErrInvalidURL, "invalid URL: no host"},
		{"too long", long, Options{}, ErrInvalidURL, fmt.Sprintf("invalid URL: longer than %d characters", MaxURLLength)},
		{"control character", "https://example.com/\x00", Options{}, ErrInvalidURL, "invalid URL"},
		{"bad port", "https://example.com:port/", Options{}, ErrInvalidURL, "invalid URL"},
		{"http", "http://example.com/jwks", Options{}, ErrNotHTTPS, "not https"},
		{"file", "file:///etc/passwd", Options{AllowHTTP: true}, ErrNotHTTPS, "not https"},
		{"javascript", "javascript:alert(1)", Options{}, ErrNotHTTPS, "not https"},
		{"gopher", "gopher://example.com/", Options{}, ErrNotHTTPS, "not https"},
		{"private literal", "https://10.0.0.1/jwks", Options{}, ErrForbiddenAddress, "address not allowed"},
		{"zoned link-local literal", "https://[fe80::1%25eth0]/jwks", Options{}, ErrForbiddenAddress, "address not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &mapResolver{}
			tt.opts.Resolver = r
			_, err := New(tt.opts).Get(context.Background(), tt.url)
			wantKind(t, err, tt.wantErr)
			if err.Error() != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.wantMsg)
			}
			if n := r.lookups.Load(); n != 0 {
				t.Errorf("%d lookups for a refused URL, want 0", n)
			}
		})
	}
	t.Run("exactly MaxURLLength accepted", func(t *testing.T) {
		u := "https://refused.example/"
		u += strings.Repeat("a", MaxURLLength-len(u))
		f := New(Options{Resolver: &mapResolver{}})
		if _, err := f.checkURL(u); err != nil {
			t.Errorf("checkURL(%d chars) = %v", len(u), err)
		}
	})
}

func TestErrorValues(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:443: connect refused")
	tests := []struct {
		name string
		err  *Error
		kind error
		msg  string
	}{
		{"kind only", &Error{Kind: ErrUnreachable}, ErrUnreachable, "unreachable"},
		{"cause is not in the message", newError(ErrForbiddenAddress, cause), ErrForbiddenAddress, "address not allowed"},
		{"status", &Error{Kind: ErrStatus, Status: 404}, ErrStatus, "unexpected status 404"},
		{"redirect", &Error{Kind: ErrRedirect, Status: 302}, ErrRedirect, "redirect not followed (status 302)"},
		{"redirect without status", &Error{Kind: ErrRedirect}, ErrRedirect, "redirect not followed"},
		{"zero value", &Error{}, nil, "fetch failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.msg {
				t.Errorf("Error() = %q, want %q", got, tt.msg)
			}
			wrapped := fmt.Errorf("jwks_uri: cannot be fetched: %w", tt.err)
			if tt.kind != nil && !errors.Is(wrapped, tt.kind) {
				t.Errorf("errors.Is(wrapped, %v) = false", tt.kind)
			}
			if errors.Is(wrapped, ErrTimeout) && tt.kind != ErrTimeout {
				t.Error("matches ErrTimeout wrongly")
			}
			if tt.err.cause != nil {
				if !errors.Is(tt.err, tt.err.cause) || tt.err.Cause() != tt.err.cause {
					t.Error("cause not reachable")
				}
				if strings.Contains(tt.err.Error(), "10.0.0.7") {
					t.Error("message leaks the internal address")
				}
			}
		})
	}
}

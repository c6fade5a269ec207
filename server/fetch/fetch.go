package fetch

import (
	"bytes"
	"container/list"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults applied by New to zero (or out-of-range) Options fields.
const (
	DefaultTimeout         = 5 * time.Second
	DefaultMaxBytes        = 256 << 10
	DefaultCacheTTL        = 5 * time.Minute
	DefaultMaxCacheEntries = 1024
	DefaultMaxCacheBytes   = 16 << 20
	DefaultRefreshInterval = 10 * time.Second
	DefaultUserAgent       = "registrar"

	// MaxURLLength is the longest URL a Fetcher accepts.
	MaxURLLength = 2048
)

// Options configure a Fetcher. The zero value is the production setting:
// https only, public addresses only, the defaults above.
type Options struct {
	// AllowHTTP permits http:// URLs. Default false: https only.
	AllowHTTP bool
	// AllowPrivate permits connections to non-public addresses: loopback,
	// private (RFC 1918, ULA fc00::/7), link-local (169.254/16,
	// fe80::/10), CGNAT (100.64/10), unspecified, 0.0.0.0/8, multicast,
	// broadcast, documentation and reserved ranges, and IPv6 forms of any
	// of these (IPv4-mapped, NAT64, 6to4). Default false: all refused,
	// whether the URL names such an address or a host name resolves to
	// one. Set it only in tests or for deliberately internal deployments.
	AllowPrivate bool
	// Timeout bounds one fetch in total: resolving, connecting, TLS, and
	// reading the whole body. Zero or negative means DefaultTimeout (5s).
	Timeout time.Duration
	// MaxBytes is the largest body accepted; a longer one fails with
	// ErrTooLarge, it is never truncated. Zero or negative means
	// DefaultMaxBytes (256 KiB).
	MaxBytes int64
	// CacheTTL is how long a fetched body is served from the cache by
	// Get. Zero means DefaultCacheTTL (5m); negative disables the cache.
	CacheTTL time.Duration
	// MaxCacheEntries bounds the cache; beyond it the least recently used
	// URL is evicted. Zero or negative means DefaultMaxCacheEntries (1024).
	MaxCacheEntries int
	// MaxCacheBytes bounds the bodies the cache holds in total, so that
	// callers registering many large documents cannot pin memory; beyond
	// it the least recently used URLs are evicted. Zero or negative means
	// DefaultMaxCacheBytes (16 MiB).
	MaxCacheBytes int64
	// RefreshInterval is the least time between two real fetches of one
	// URL made by Refresh; inside it Refresh serves the cached result.
	// Zero or negative means DefaultRefreshInterval (10s).
	RefreshInterval time.Duration
	// RootCAs verifies server certificates; nil means the system pool.
	// Tests pass the pool of an httptest server.
	RootCAs *x509.CertPool
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// Resolver looks up host names; nil means net.DefaultResolver. Every
	// address it returns is checked before any is dialed.
	Resolver Resolver
}

// Fetcher fetches small documents (JWKS, discovery documents, sector
// identifier lists) over HTTPS under the rules of Options. It is safe for
// concurrent use; create one per server and share it.
type Fetcher struct {
	opts   Options
	client *http.Client
	now    func() time.Time

	mu    sync.Mutex
	lru   *list.List // of *entry, most recently used at the front
	cache map[string]*list.Element
	bytes int64 // total length of the cached bodies
	calls map[string]*call
}

type entry struct {
	key       string
	body      []byte    // last good body, nil if none
	expires   time.Time // body is fresh before this
	attempted time.Time // end of the last real fetch, good or bad
	err       error     // result of the last real fetch, nil if good
}

type call struct {
	done chan struct{}
	body []byte
	err  error
	dups int // callers that joined this fetch (observed by tests)
}

// New returns a Fetcher with opts, defaults filled in.
func New(opts Options) *Fetcher {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.MaxCacheEntries <= 0 {
		opts.MaxCacheEntries = DefaultMaxCacheEntries
	}
	if opts.MaxCacheBytes <= 0 {
		opts.MaxCacheBytes = DefaultMaxCacheBytes
	}
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = DefaultRefreshInterval
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	d := newDialer(opts.Resolver, opts.AllowPrivate)
	d.net.Timeout = opts.Timeout
	transport := &http.Transport{
		Proxy:                  nil, // never a proxy from the environment
		DialContext:            d.DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    opts.Timeout,
		ResponseHeaderTimeout:  opts.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
	}
	return &Fetcher{
		opts: opts,
		client: &http.Client{
			Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse // the 3xx becomes ErrRedirect
			},
			Timeout: opts.Timeout,
		},
		now:   time.Now,
		lru:   list.New(),
		cache: make(map[string]*list.Element),
		calls: make(map[string]*call),
	}
}

// Get returns the body of a 200 response to GET rawURL. A body fetched less
// than CacheTTL ago is served from the cache without traffic; otherwise it
// is fetched, and concurrent Gets (and Refreshes) of one URL share a single
// request. A failed fetch is not cached for Get. The returned slice belongs
// to the caller. Every error is an *Error; see the Err* kinds.
//
// ctx bounds the caller's wait. The shared request itself is bounded by
// Options.Timeout, not by any one caller's ctx, so a caller that gives up
// does not fail the others.
func (f *Fetcher) Get(ctx context.Context, rawURL string) ([]byte, error) {
	return f.get(ctx, rawURL, false)
}

// Refresh is Get bypassing the cache — for a JWKS that lacks the key id of
// a token (RFC 7517 key rotation) — and refills the cache with the result.
// It is rate-limited per URL: when the last real fetch of rawURL ended less
// than RefreshInterval ago, Refresh makes no request and returns the
// cached body, or that fetch's error if no body is cached, so a flood of
// unknown key ids cannot make the server hammer the key's host. With the
// cache disabled (CacheTTL < 0) Refresh is Get.
func (f *Fetcher) Refresh(ctx context.Context, rawURL string) ([]byte, error) {
	return f.get(ctx, rawURL, true)
}

func (f *Fetcher) get(ctx context.Context, rawURL string, refresh bool) ([]byte, error) {
	u, err := f.checkURL(rawURL)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, classify(err)
	}
	key := u.String()

	f.mu.Lock()
	if el, ok := f.cache[key]; ok {
		e := el.Value.(*entry)
		now := f.now()
		switch {
		case !refresh && e.body != nil && now.Before(e.expires):
			f.lru.MoveToFront(el)
			body := bytes.Clone(e.body)
			f.mu.Unlock()
			return body, nil
		case refresh && now.Sub(e.attempted) < f.opts.RefreshInterval:
			f.lru.MoveToFront(el)
			body, err := bytes.Clone(e.body), e.err
			f.mu.Unlock()
			if body != nil {
				return body, nil
			}
			return nil, err
		}
	}
	c, ok := f.calls[key]
	if ok {
		c.dups++
	} else {
		c = &call{done: make(chan struct{})}
		f.calls[key] = c
		go f.do(context.WithoutCancel(ctx), c, key, u)
	}
	f.mu.Unlock()

	select {
	case <-c.done:
		if c.err != nil {
			return nil, c.err
		}
		return bytes.Clone(c.body), nil
	case <-ctx.Done():
		return nil, classify(ctx.Err())
	}
}

// do performs the shared fetch of call c and records its result.
func (f *Fetcher) do(ctx context.Context, c *call, key string, u *url.URL) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	body, err := f.fetch(ctx, u)

	f.mu.Lock()
	c.body, c.err = body, err
	delete(f.calls, key)
	f.store(key, body, err)
	f.mu.Unlock()
	close(c.done)
}

// store records the result of a real fetch; f.mu is held.
func (f *Fetcher) store(key string, body []byte, err error) {
	if f.opts.CacheTTL < 0 {
		return
	}
	now := f.now()
	var e *entry
	if el, ok := f.cache[key]; ok {
		e = el.Value.(*entry)
		f.lru.MoveToFront(el)
	} else {
		e = &entry{key: key}
		f.cache[key] = f.lru.PushFront(e)
	}
	e.attempted, e.err = now, err
	if err == nil {
		f.bytes += int64(len(body)) - int64(len(e.body))
		e.body, e.expires = body, now.Add(f.opts.CacheTTL)
	}
	for f.lru.Len() > f.opts.MaxCacheEntries || (f.bytes > f.opts.MaxCacheBytes && f.lru.Len() > 1) {
		old := f.lru.Back()
		f.lru.Remove(old)
		oe := old.Value.(*entry)
		f.bytes -= int64(len(oe.body))
		delete(f.cache, oe.key)
	}
}

// checkURL applies the URL rules: at most MaxURLLength, absolute, scheme
// https (or http when allowed), a host, no userinfo, no fragment, and a
// literal IP address only if it is allowed.
func (f *Fetcher) checkURL(rawURL string) (*url.URL, error) {
	invalid := func(why string) error {
		return &Error{Kind: ErrInvalidURL, msg: "invalid URL: " + why}
	}
	switch {
	case rawURL == "":
		return nil, invalid("empty")
	case len(rawURL) > MaxURLLength:
		return nil, invalid(fmt.Sprintf("longer than %d characters", MaxURLLength))
	case strings.Contains(rawURL, "#"):
		return nil, invalid("fragment not allowed")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &Error{Kind: ErrInvalidURL, msg: "invalid URL", cause: err}
	}
	switch {
	case u.Scheme == "":
		return nil, invalid("not absolute")
	case u.Scheme != "https" && !(u.Scheme == "http" && f.opts.AllowHTTP):
		return nil, newError(ErrNotHTTPS, nil)
	case u.Opaque != "" || u.Host == "" || u.Hostname() == "":
		return nil, invalid("no host")
	case u.User != nil:
		return nil, invalid("userinfo not allowed")
	}
	if !f.opts.AllowPrivate {
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && !isPublic(a) {
			return nil, newError(ErrForbiddenAddress, nil)
		}
	}
	return u, nil
}

// fetch makes one request; every error it returns is an *Error.
func (f *Fetcher) fetch(ctx context.Context, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{Kind: ErrInvalidURL, msg: "invalid URL", cause: err}
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "application/json, application/jwk-set+json, */*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, classify(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, &Error{Kind: ErrRedirect, Status: resp.StatusCode}
	case resp.StatusCode != http.StatusOK:
		return nil, &Error{Kind: ErrStatus, Status: resp.StatusCode}
	}
	tooLarge := &Error{Kind: ErrTooLarge, msg: fmt.Sprintf("response larger than %d bytes", f.opts.MaxBytes)}
	if resp.ContentLength > f.opts.MaxBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, classify(err)
	}
	if int64(len(body)) > f.opts.MaxBytes {
		return nil, tooLarge
	}
	return body, nil
}

// classify turns a transport or context error into an *Error.
func classify(err error) *Error {
	var fe *Error
	var netErr net.Error
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invErr x509.CertificateInvalidError
	switch {
	case errors.As(err, &fe):
		return fe
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return newError(ErrTimeout, err)
	case errors.Is(err, context.Canceled):
		return newError(ErrCanceled, err)
	case errors.Is(err, http.ErrSchemeMismatch),
		errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &hostErr), errors.As(err, &authErr), errors.As(err, &invErr):
		return newError(ErrTLS, err)
	}
	return newError(ErrUnreachable, err)
}

package httpapi

import (
	"container/list"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/registrar-dcr/registrar/sdk"
)

// RateLimit is a token bucket per client IP address.
type RateLimit struct {
	// Rate is the sustained number of requests per second per address.
	Rate float64
	// Burst is the bucket size.
	Burst int
	// MaxTracked bounds the addresses remembered; the least recently seen
	// is forgotten first (and starts with a full bucket if it returns).
	MaxTracked int
}

// limiter keeps one rate.Limiter per address, at most max of them.
type limiter struct {
	cfg RateLimit
	mu  sync.Mutex
	lru *list.List               // of *bucket, most recent first
	by  map[string]*list.Element // address → element of lru
}

type bucket struct {
	addr string
	lim  *rate.Limiter
}

func newLimiter(cfg RateLimit) *limiter {
	if cfg.MaxTracked <= 0 {
		cfg.MaxTracked = 100000
	}
	return &limiter{cfg: cfg, lru: list.New(), by: map[string]*list.Element{}}
}

// allow takes a token from addr's bucket. When there is none it returns
// false and how long until there is one.
func (l *limiter) allow(addr string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e, ok := l.by[addr]; ok {
		l.lru.MoveToFront(e)
		b = e.Value.(*bucket)
	} else {
		b = &bucket{addr: addr, lim: rate.NewLimiter(rate.Limit(l.cfg.Rate), l.cfg.Burst)}
		l.by[addr] = l.lru.PushFront(b)
		if l.lru.Len() > l.cfg.MaxTracked {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.by, old.Value.(*bucket).addr)
		}
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limitKey is the bucket of a client address: the address itself for
// IPv4, its /64 for IPv6, since one subscriber usually holds a whole /64
// (RFC 6177) and could otherwise take a new bucket per address.
func limitKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.WithZone("").Prefix(64)
	return p.String()
}

// rateLimit answers 429 too_many_requests with Retry-After (RFC 6585 §4,
// RFC 9110 §10.2.3, whole seconds) when the caller's address is over its
// limit.
func (h *handler) rateLimit(c *gin.Context) {
	if h.limiter == nil {
		c.Next()
		return
	}
	ok, wait := h.limiter.allow(limitKey(c.ClientIP()), time.Now())
	if ok {
		c.Next()
		return
	}
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	h.writeError(c, &sdk.Error{Code: sdk.CodeTooManyRequests, Status: http.StatusTooManyRequests,
		Description: "too many registrations from this address; retry later"})
}

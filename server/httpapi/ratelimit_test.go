package httpapi

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	type step struct {
		addr   string
		at     time.Duration // after t0
		allow  bool
		waitGE time.Duration // when refused: the wait is at least this
	}
	tests := []struct {
		name  string
		cfg   RateLimit
		steps []step
	}{
		{name: "burst then refused, refilled at the rate", cfg: RateLimit{Rate: 1, Burst: 2}, steps: []step{
			{"a", 0, true, 0}, {"a", 0, true, 0}, {"a", 0, false, 900 * time.Millisecond},
			{"a", time.Second, true, 0}, {"a", time.Second, false, 900 * time.Millisecond},
		}},
		{name: "addresses have their own buckets", cfg: RateLimit{Rate: 1, Burst: 1}, steps: []step{
			{"a", 0, true, 0}, {"b", 0, true, 0}, {"a", 0, false, 0}, {"b", 0, false, 0},
		}},
		{name: "slow rate gives a long wait", cfg: RateLimit{Rate: 0.01, Burst: 1}, steps: []step{
			{"a", 0, true, 0}, {"a", 0, false, 99 * time.Second},
		}},
		{name: "refused requests do not consume", cfg: RateLimit{Rate: 1, Burst: 1}, steps: []step{
			{"a", 0, true, 0}, {"a", 500 * time.Millisecond, false, 0}, {"a", 500 * time.Millisecond, false, 0},
			{"a", time.Second, true, 0},
		}},
		{name: "forgotten address starts full", cfg: RateLimit{Rate: 0.001, Burst: 1, MaxTracked: 2}, steps: []step{
			{"a", 0, true, 0}, {"b", 0, true, 0}, {"c", 0, true, 0}, // a is evicted
			{"a", 0, true, 0}, {"c", 0, false, 0},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(tc.cfg)
			for i, s := range tc.steps {
				ok, wait := l.allow(s.addr, t0.Add(s.at))
				if ok != s.allow {
					t.Fatalf("step %d (%s at %v): allow = %v, want %v", i, s.addr, s.at, ok, s.allow)
				}
				if !ok && wait < s.waitGE {
					t.Errorf("step %d: wait %v, want >= %v", i, wait, s.waitGE)
				}
			}
		})
	}
}

func TestLimitKey(t *testing.T) {
	tests := []struct{ name, ip, want string }{
		{"ipv4", "203.0.113.7", "203.0.113.7"},
		{"ipv4-mapped ipv6", "::ffff:203.0.113.7", "203.0.113.7"},
		{"ipv6 shares its /64", "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"},
		{"another address of the same /64", "2001:db8:1:2::1", "2001:db8:1:2::/64"},
		{"another /64", "2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"loopback v6", "::1", "::/64"},
		{"not an address", "garbage", "garbage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := limitKey(tc.ip); got != tc.want {
				t.Errorf("limitKey(%q) = %q, want %q", tc.ip, got, tc.want)
			}
		})
	}
}

func TestLimiterBound(t *testing.T) {
	l := newLimiter(RateLimit{Rate: 1, Burst: 1, MaxTracked: 100})
	for i := range 1000 {
		l.allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256), time.Now())
	}
	if n := len(l.by); n != 100 || l.lru.Len() != 100 {
		t.Fatalf("tracked %d/%d addresses, want 100", n, l.lru.Len())
	}
}

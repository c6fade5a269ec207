package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

// TestIsPublic classifies addresses without any network traffic.
func TestIsPublic(t *testing.T) {
	tests := []struct {
		name string
		addr string // "" is the invalid zero netip.Addr
		want bool
	}{
		{"invalid zero address", "", false},
		{"public IPv4 8.8.8.8", "8.8.8.8", true},
		{"public IPv4 1.1.1.1", "1.1.1.1", true},
		{"public IPv6 2001:4860::", "2001:4860::", true},
		{"public IPv6 2001:4860:4860::8888", "2001:4860:4860::8888", true},
		{"IPv4-mapped public ::ffff:8.8.8.8", "::ffff:8.8.8.8", true},
		{"NAT64 of public 64:ff9b::808:808", "64:ff9b::808:808", true},
		{"6to4 of public 2002:808:808::1", "2002:808:808::1", true},
		{"just outside 172.16/12: 172.32.0.1", "172.32.0.1", true},
		{"just outside 100.64/10: 100.128.0.1", "100.128.0.1", true},

		{"unspecified 0.0.0.0", "0.0.0.0", false},
		{"this network 0.1.2.3", "0.1.2.3", false},
		{"loopback 127.0.0.1", "127.0.0.1", false},
		{"loopback 127.255.255.254", "127.255.255.254", false},
		{"private 10.0.0.1", "10.0.0.1", false},
		{"private 10.255.255.255", "10.255.255.255", false},
		{"private 172.16.0.1", "172.16.0.1", false},
		{"private 172.31.255.255", "172.31.255.255", false},
		{"private 192.168.1.1", "192.168.1.1", false},
		{"link-local 169.254.169.254 (metadata)", "169.254.169.254", false},
		{"CGNAT 100.64.0.1", "100.64.0.1", false},
		{"CGNAT 100.127.255.255", "100.127.255.255", false},
		{"IETF 192.0.0.1", "192.0.0.1", false},
		{"TEST-NET-1 192.0.2.1", "192.0.2.1", false},
		{"benchmark 198.18.0.1", "198.18.0.1", false},
		{"TEST-NET-3 203.0.113.7", "203.0.113.7", false},
		{"multicast 224.0.0.1", "224.0.0.1", false},
		{"multicast 239.255.255.250", "239.255.255.250", false},
		{"reserved 240.0.0.1", "240.0.0.1", false},
		{"broadcast 255.255.255.255", "255.255.255.255", false},

		{"IPv6 unspecified ::", "::", false},
		{"IPv6 loopback ::1", "::1", false},
		{"IPv4-mapped loopback ::ffff:127.0.0.1", "::ffff:127.0.0.1", false},
		{"IPv4-mapped private ::ffff:10.0.0.1", "::ffff:10.0.0.1", false},
		{"IPv4-mapped metadata ::ffff:169.254.169.254", "::ffff:169.254.169.254", false},
		{"IPv4-mapped unspecified ::ffff:0.0.0.0", "::ffff:0.0.0.0", false},
		{"IPv4-compatible ::127.0.0.1", "::127.0.0.1", false},
		{"IPv4-translated ::ffff:0:7f00:1", "::ffff:0:7f00:1", false},
		{"NAT64 of loopback 64:ff9b::7f00:1", "64:ff9b::7f00:1", false},
		{"local NAT64 64:ff9b:1::1", "64:ff9b:1::1", false},
		{"6to4 of private 2002:a00:1::1", "2002:a00:1::1", false},
		{"6to4 of loopback 2002:7f00:1::", "2002:7f00:1::", false},
		{"discard 100::1", "100::1", false},
		{"Teredo 2001::1", "2001::1", false},
		{"documentation 2001:db8::1", "2001:db8::1", false},
		{"ULA fc00::1", "fc00::1", false},
		{"ULA fd12:3456::1", "fd12:3456::1", false},
		{"link-local fe80::1", "fe80::1", false},
		{"link-local with zone fe80::1%eth0", "fe80::1%eth0", false},
		{"link-local fe80:: upper edge febf::1", "febf::1", false},
		{"site-local fec0::1", "fec0::1", false},
		{"multicast ff02::1", "ff02::1", false},
		{"multicast ff05::1:3", "ff05::1:3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a netip.Addr
			if tt.addr != "" {
				a = netip.MustParseAddr(tt.addr)
			}
			if got := isPublic(a); got != tt.want {
				t.Errorf("isPublic(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

// TestControl checks the last-moment socket hook, the guard behind the
// resolver check.
func TestControl(t *testing.T) {
	tests := []struct {
		name    string
		address string
		wantErr bool
	}{
		{"public v4", "8.8.8.8:443", false},
		{"public v6", "[2001:4860::1]:443", false},
		{"loopback v4", "127.0.0.1:443", true},
		{"loopback v6", "[::1]:443", true},
		{"mapped loopback", "[::ffff:127.0.0.1]:443", true},
		{"metadata", "169.254.169.254:80", true},
		{"unparseable", "localhost:443", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := control("tcp", tt.address, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("control(%q) = %v, want error %v", tt.address, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrForbiddenAddress) {
				t.Errorf("control(%q) = %v, want ErrForbiddenAddress", tt.address, err)
			}
		})
	}
}

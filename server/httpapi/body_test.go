package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serve runs h on a real loopback listener with the read timeout of a
// configured server, and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadTimeout: 10 * time.Second, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// chunked hides the length of a body, so the client sends it chunked.
type chunked struct{ io.Reader }

// TestOversizedBodyGets413: a client that sends a body far over the limit
// reads its 413 and JSON error instead of a connection reset, because the
// server reads and discards the rest of the body (up to a bound) before it
// answers and closes.
func TestOversizedBodyGets413(t *testing.T) {
	const limit = 64 << 10
	base := serve(t, NewHandler(nil, Options{MaxBodyBytes: limit}))
	big := bytes.Repeat([]byte("a"), 2<<20) // 2 MiB
	tests := []struct {
		name   string
		path   string
		method string
		body   func() io.Reader
		expect bool // send Expect: 100-continue
	}{
		{name: "register with Content-Length", method: "POST", path: "/connect/dcr", body: func() io.Reader { return bytes.NewReader(big) }},
		{name: "register chunked", method: "POST", path: "/connect/dcr", body: func() io.Reader { return chunked{bytes.NewReader(big)} }},
		{name: "update with Content-Length", method: "PUT", path: "/connect/dcr/some-client", body: func() io.Reader { return bytes.NewReader(big) }},
		{name: "update chunked", method: "PUT", path: "/connect/dcr/some-client", body: func() io.Reader { return chunked{bytes.NewReader(big)} }},
		{name: "register expecting 100-continue", method: "POST", path: "/connect/dcr", expect: true, body: func() io.Reader { return bytes.NewReader(big) }},
		// A client that writes its whole request before reading the
		// answer (curl, Python's urllib and many others do): before the
		// fix it got EPIPE or ECONNRESET most of the time.
		{name: "whole body first register", method: "POST", path: "/connect/dcr"},
		{name: "whole body first update", method: "PUT", path: "/connect/dcr/some-client"},
	}
	// A plain net/http client, its send buffer small as on a real network.
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return conn, smallSendBuffer(conn)
		},
		ExpectContinueTimeout: 5 * time.Second,
	}}
	t.Cleanup(client.CloseIdleConnections)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 5 {
				if strings.HasPrefix(tc.name, "whole body first") {
					status, raw, err := writeWholeBodyFirst(base, tc.method, tc.path, big)
					if err != nil {
						t.Fatalf("attempt %d: %v (want a 413 answer)", i, err)
					}
					if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), "larger than 65536 bytes") {
						t.Fatalf("attempt %d: status %d, body %s; want 413 and its JSON error", i, status, raw)
					}
					continue
				}
				req, err := http.NewRequest(tc.method, base+tc.path, tc.body())
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				if tc.expect {
					req.Header.Set("Expect", "100-continue")
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatalf("attempt %d: %v (want a 413 answer)", i, err)
				}
				raw, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("attempt %d: reading the answer: %v", i, err)
				}
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Fatalf("attempt %d: status %d, want 413; body %s", i, resp.StatusCode, raw)
				}
				var e errorBody
				if err := json.Unmarshal(raw, &e); err != nil || e.Error != "invalid_request" ||
					!strings.Contains(e.Description, "larger than 65536 bytes") {
					t.Fatalf("attempt %d: body %s (%v)", i, raw, err)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q", ct)
				}
			}
		})
	}
}

// writeWholeBodyFirst sends a request with body on a fresh connection, all
// of it, and only then reads the answer.
func writeWholeBodyFirst(base, method, path string, body []byte) (int, []byte, error) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	if err := smallSendBuffer(conn); err != nil {
		return 0, nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: registrar.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		method, path, len(body))
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		return 0, nil, fmt.Errorf("writing the request: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// smallSendBuffer keeps most of a body out of the kernel, as a real network
// (bandwidth times delay) does, so that the client is still writing when
// the server answers; on loopback the buffers would otherwise swallow 2 MiB
// at once and hide the reset.
func smallSendBuffer(conn net.Conn) error {
	return conn.(*net.TCPConn).SetWriteBuffer(64 << 10)
}

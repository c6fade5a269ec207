package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection that sends a registration
// again and again. It is a load generator's client, not a general one: it
// writes a request prepared once (or, with next, rewritten in place for
// each call) and reads just enough of the answer (status line,
// Content-Length or chunked body) to check it and keep the connection in
// step, so that the generator spends little of the machine's CPU and the
// figures measure the server, as wrk would.
type conn struct {
	addr string
	req  []byte
	// next, when set, prepares req for the next call (a new client_id and
	// secret in it); each clone has its own copy of req.
	next func(req []byte) error
	nc   net.Conn
	br   *bufio.Reader
}

// newConn prepares POST /connect/dcr with Body and token for the server at
// base (http://host:port).
func newConn(base, token string) (*conn, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("loadtest: base URL %q: want http://host:port", base)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /connect/dcr HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", u.Host, token, len(Body))
	b.Write(Body)
	return &conn{addr: u.Host, req: b.Bytes()}, nil
}

// clone returns an unconnected conn with the same request.
func (c *conn) clone() *conn {
	req := c.req
	if c.next != nil {
		req = bytes.Clone(req)
	}
	return &conn{addr: c.addr, req: req, next: c.next}
}

// register sends the registration and reads the answer; it fails unless
// the status is 201. A broken connection is dialed again at the next call.
func (c *conn) register(ctx context.Context) error {
	if c.nc == nil {
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return err
		}
		c.nc, c.br = nc, bufio.NewReaderSize(nc, 16<<10)
	}
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > 10*time.Second {
		deadline = time.Now().Add(10 * time.Second)
	}
	_ = c.nc.SetDeadline(deadline)
	if c.next != nil {
		if err := c.next(c.req); err != nil {
			return err
		}
	}
	status, body, err := c.roundTrip()
	if err != nil {
		c.close()
		if ctx.Err() != nil || (ok && !time.Now().Before(deadline)) {
			// The run ended while this request was in flight.
			return context.DeadlineExceeded
		}
		return err
	}
	if status != 201 {
		return fmt.Errorf("status %d: %s", status, body)
	}
	return nil
}

func (c *conn) roundTrip() (status int, body []byte, err error) {
	if _, err := c.nc.Write(c.req); err != nil {
		return 0, nil, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	// "HTTP/1.1 201 Created\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, nil, errors.New("loadtest: malformed status line")
	}
	if status, err = strconv.Atoi(string(line[9:12])); err != nil {
		return 0, nil, errors.New("loadtest: malformed status line")
	}
	length, chunked, closeAfter := -1, false, false
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, nil, errors.New("loadtest: malformed Content-Length")
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			closeAfter = true
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			// Go's net/http chunks an answer longer than its buffer
			// (Hydra's clients are).
			if !bytes.EqualFold(value, []byte("chunked")) {
				return 0, nil, fmt.Errorf("loadtest: Transfer-Encoding %q is not supported", value)
			}
			chunked = true
		}
	}
	switch {
	case chunked:
		body, err = c.readChunked(status != 201)
	case length < 0:
		return 0, nil, errors.New("loadtest: answer without Content-Length")
	case status == 201:
		_, err = c.br.Discard(length)
	default:
		body = make([]byte, length)
		_, err = io.ReadFull(c.br, body)
	}
	if err == nil && closeAfter {
		c.close()
	}
	return status, body, err
}

// maxErrorBody bounds the part of a chunked error answer kept for the
// error message.
const maxErrorBody = 4 << 10

// readChunked reads a chunked body (RFC 9112 §7.1), keeping at most
// maxErrorBody bytes of it when keep is set, and its trailer section.
func (c *conn) readChunked(keep bool) ([]byte, error) {
	var body []byte
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 {
			return nil, errors.New("loadtest: malformed chunk size")
		}
		if n == 0 {
			break
		}
		if keep && len(body) < maxErrorBody {
			chunk := make([]byte, n)
			if _, err := io.ReadFull(c.br, chunk); err != nil {
				return nil, err
			}
			body = append(body, chunk[:min(int(n), maxErrorBody-len(body))]...)
		} else if _, err := c.br.Discard(int(n)); err != nil {
			return nil, err
		}
		if crlf, err := c.br.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return nil, errors.New("loadtest: malformed chunk")
		}
	}
	for { // trailer section, up to the empty line
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return body, nil
		}
	}
}

func (c *conn) close() {
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc, c.br = nil, nil
	}
}

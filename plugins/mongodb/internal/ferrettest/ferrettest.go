package ferrettest

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvURI is the environment variable that points tests at a real MongoDB
// instead of an embedded FerretDB (see URI).
const EnvURI = "MONGODB_URI"

// URIOptions are the options of the URI that Server.URI returns.
// FerretDB's SQLite backend takes one write lock per database, and a pool
// of more connections only queues writers in SQLite's busy handler, where
// a few of them wait for seconds.
const URIOptions = "maxPoolSize=16"

// Server is a FerretDB (SQLite backend, data in a directory) behind a TCP
// proxy on a fixed loopback address. Stop and Restart simulate a database
// outage: Stop cuts every client connection at once and closes the port, as
// a crash would; Restart starts FerretDB again on the same data and opens
// the same port, so that clients reconnect by themselves.
type Server struct {
	t         testing.TB
	logger    *slog.Logger
	logOutput io.Writer
	dir       string
	mode      string

	mu      sync.Mutex
	addr    string       // the public host:port, fixed after the first start
	ln      net.Listener // nil while stopped
	conns   map[net.Conn]struct{}
	backend backend
	accepts sync.WaitGroup
}

// Option changes how New starts the server.
type Option func(*Server)

// WithDir keeps the data in dir instead of a fresh t.TempDir().
func WithDir(dir string) Option {
	return func(s *Server) { s.dir = dir }
}

// WithLogOutput sends FerretDB's error logs to w instead of the test log.
func WithLogOutput(w io.Writer) Option {
	return func(s *Server) { s.logOutput = w }
}

// WithMode runs FerretDB in the test process (ModeInProcess) or in a child
// process (ModeProcess) instead of where Mode says.
func WithMode(mode string) Option {
	return func(s *Server) { s.mode = mode }
}

// Start starts a FerretDB for the test and returns its MongoDB URI
// ("mongodb://127.0.0.1:port/?maxPoolSize=16"). It stops when the test
// ends.
func Start(t testing.TB, opts ...Option) string {
	t.Helper()
	return New(t, opts...).URI()
}

// URI returns the value of MONGODB_URI when it is set, so that tests run
// against a real MongoDB, and otherwise starts a FerretDB with Start. real
// reports which one it is.
func URI(t testing.TB) (uri string, real bool) {
	t.Helper()
	if v := strings.TrimSpace(os.Getenv(EnvURI)); v != "" {
		return v, true
	}
	return Start(t), false
}

// New starts a FerretDB on a free loopback port and stops it when the test
// ends. It fails the test when the server cannot start.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{t: t, addr: "127.0.0.1:0", mode: Mode()}
	for _, opt := range opts {
		opt(s)
	}
	if s.mode != ModeInProcess && s.mode != ModeProcess {
		t.Fatalf("ferrettest: unknown mode %q", s.mode)
	}
	if s.dir == "" {
		s.dir = t.TempDir()
	}
	if s.logOutput == nil {
		w := &testWriter{t: t}
		t.Cleanup(w.close) // registered first, so it runs after Stop
		s.logOutput = w
	}
	s.logger = slog.New(slog.NewTextHandler(s.logOutput, &slog.HandlerOptions{Level: slog.LevelError}))
	if err := s.start(); err != nil {
		t.Fatalf("ferrettest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// URI returns the MongoDB URI of the server, the same across Stop and
// Restart.
func (s *Server) URI() string { return "mongodb://" + s.Addr() + "/?" + URIOptions }

// Addr returns the server's host:port.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Dir returns the directory of the SQLite files.
func (s *Server) Dir() string { return s.dir }

// Mode returns where FerretDB runs: ModeInProcess or ModeProcess.
func (s *Server) Mode() string { return s.mode }

// Running reports whether the server is up.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln != nil
}

// Stop stops the server as a crash would: the port is closed, every client
// connection is cut at once, and FerretDB stops (a child process is
// killed). The data stays in Dir. Stop is idempotent.
func (s *Server) Stop() {
	s.mu.Lock()
	ln := s.ln
	if ln == nil {
		s.mu.Unlock()
		return
	}
	s.ln = nil
	_ = ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
	b := s.backend
	s.backend = nil
	s.mu.Unlock()
	s.accepts.Wait()
	b.stop()
}

// Restart stops the server when it is running, then starts FerretDB again
// on the same data and opens the same address. It fails the test when the
// address cannot be bound again within a few seconds.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := s.start()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("ferrettest: restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// start starts FerretDB on an ephemeral port and the proxy on s.addr.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	var b backend
	if s.mode == ModeProcess {
		b, err = startProcess(s)
	} else {
		b, err = startInProcess(s)
	}
	if err != nil {
		_ = ln.Close()
		return err
	}
	s.addr, s.ln, s.backend = ln.Addr().String(), ln, b
	s.conns = map[net.Conn]struct{}{}
	s.accepts.Add(1)
	go s.accept(ln, b.addr())
	return nil
}

// accept proxies the connections of ln to FerretDB until ln is closed.
func (s *Server) accept(ln net.Listener, backend string) {
	defer s.accepts.Done()
	for {
		client, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		server, err := net.Dial("tcp", backend)
		if err != nil {
			_ = client.Close()
			continue
		}
		if !s.track(ln, client, server) {
			return
		}
		go s.pipe(client, server)
		go s.pipe(server, client)
	}
}

// track registers a proxied pair, or closes it and reports false when the
// server stopped meanwhile.
func (s *Server) track(ln net.Listener, conns ...net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != ln {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		s.conns[c] = struct{}{}
	}
	return true
}

func (s *Server) pipe(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
	s.mu.Lock()
	delete(s.conns, dst)
	delete(s.conns, src)
	s.mu.Unlock()
}

func hostPort(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, "mongodb://")
	if !ok {
		return "", fmt.Errorf("unexpected FerretDB URI %q", uri)
	}
	host, _, _ := strings.Cut(rest, "/")
	if _, _, err := net.SplitHostPort(host); err != nil {
		return "", fmt.Errorf("unexpected FerretDB URI %q: %w", uri, err)
	}
	return host, nil
}

// testWriter writes to the test log until the test ends and drops the rest
// (t.Log panics once the test has completed).
type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log("ferretdb: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

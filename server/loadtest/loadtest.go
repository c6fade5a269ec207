package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a registrar subprocess started for a load run.
type Server struct {
	URL   string
	Token string
	cmd   *exec.Cmd
	dir   string
}

// StartServer runs binary with configHCL (a template whose %s are, in
// order: listen address, base URL; see Config) in a temporary directory.
// extraEnv is appended to a minimal environment.
func StartServer(ctx context.Context, binary, configHCL string, extraEnv ...string) (*Server, error) {
	dir, err := os.MkdirTemp("", "registrar-load-*")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{URL: "http://" + addr, Token: "load-test-initial-access-token-0123456789abcdef", dir: dir}
	cfg := filepath.Join(dir, "config.hcl")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(configHCL, addr, s.URL)), 0o600); err != nil {
		return nil, err
	}
	s.cmd = exec.CommandContext(ctx, binary, "serve", "-config", cfg)
	s.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "REGISTRAR_INITIAL_ACCESS_TOKEN=" + s.Token}, extraEnv...)
	s.cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("registrar did not become ready: %s", stderr.String())
}

// Stop ends the server and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(s.dir)
}

// Result is the outcome of one load run.
type Result struct {
	Concurrency int
	Requests    int
	Errors      int
	Elapsed     time.Duration
	P50, P90    time.Duration
	P99, Max    time.Duration
}

// Rate is successful registrations per second.
func (r Result) Rate() float64 {
	return float64(r.Requests-r.Errors) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("c=%-3d %7d req in %5.2fs  %8.0f reg/s  p50 %7s  p90 %7s  p99 %7s  max %7s  errors %d",
		r.Concurrency, r.Requests, r.Elapsed.Seconds(), r.Rate(),
		r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond),
		r.Max.Round(time.Microsecond), r.Errors)
}

// Body is the registration sent by Run: a confidential web client.
var Body = []byte(`{"client_name":"load test","redirect_uris":["https://app.example.com/callback"],` +
	`"grant_types":["authorization_code","refresh_token"],"response_types":["code"],` +
	`"token_endpoint_auth_method":"client_secret_basic","scope":"openid profile"}`)

// Run registers clients at url with the given concurrency until duration
// has passed or maxRequests were sent, whichever comes first.
//
// Each of the concurrency workers keeps one HTTP/1.1 connection and sends
// the next registration when the previous answer has arrived (a closed
// loop, like wrk's); see conn.
func Run(ctx context.Context, url, token string, concurrency int, duration time.Duration, maxRequests int) (Result, error) {
	proto, err := newConn(url, token)
	if err != nil {
		return Result{}, err
	}
	return run(ctx, proto, concurrency, duration, maxRequests)
}

// run sends proto's request from concurrency workers, each on a clone of
// proto, until duration has passed or maxRequests were sent.
func run(ctx context.Context, proto *conn, concurrency int, duration time.Duration, maxRequests int) (Result, error) {
	var (
		sent, failed atomic.Int64
		mu           sync.Mutex
		latencies    = make([]time.Duration, 0, 1<<16)
		firstErr     error
		wg           sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		c := proto.clone()
		go func() {
			defer wg.Done()
			defer c.close()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && sent.Add(1) <= int64(maxRequests) {
				t0 := time.Now()
				err := c.register(ctx)
				local = append(local, time.Since(t0))
				if err != nil {
					if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
						local = local[:len(local)-1]
						sent.Add(-1)
						break
					}
					failed.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(latencies) == 0 {
		return Result{}, errors.New("no request completed")
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) time.Duration { return latencies[int(p*float64(len(latencies)-1))] }
	res := Result{
		Concurrency: concurrency, Requests: len(latencies), Errors: int(failed.Load()), Elapsed: elapsed,
		P50: pct(0.50), P90: pct(0.90), P99: pct(0.99), Max: latencies[len(latencies)-1],
	}
	if firstErr != nil {
		return res, fmt.Errorf("%d requests failed, first: %w", res.Errors, firstErr)
	}
	return res, nil
}

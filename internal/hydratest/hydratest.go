package hydratest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is one Ory Hydra, `hydra serve all --dev` with DSN=memory, on
// 127.0.0.1. Its clients, keys and sessions live in memory and go with it.
type Server struct {
	// PublicURL is the base of the public API (/oauth2/auth, /oauth2/token,
	// /.well-known/openid-configuration), "http://127.0.0.1:port", with
	// no trailing slash.
	PublicURL string
	// AdminURL is the base of the admin API (/admin/clients,
	// /admin/oauth2/introspect, /admin/oauth2/auth/requests/...), with no
	// trailing slash.
	AdminURL string
	// Issuer is the issuer Hydra names in discovery and in tokens.
	Issuer string

	t        testing.TB
	cmd      *exec.Cmd
	exited   chan struct{}
	log      *logSink
	tripwire *tripwire
	stopOnce sync.Once
}

// Option changes how Start configures Hydra.
type Option func(*options)

type options struct {
	issuer    string
	settings  map[string]string // Hydra configuration, in environment form
	logOutput io.Writer
}

// managed are the configuration keys Start owns: they keep Hydra in memory,
// on loopback and silent towards the network.
var managed = map[string]bool{
	"DSN": true, "SERVE_PUBLIC_HOST": true, "SERVE_PUBLIC_PORT": true,
	"SERVE_ADMIN_HOST": true, "SERVE_ADMIN_PORT": true, "URLS_SELF_ISSUER": true,
	"URLS_SELF_PUBLIC": true, "URLS_SELF_ADMIN": true, "SQA_OPT_OUT": true,
	"TRACING_PROVIDER": true, "HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true,
}

// WithIssuer sets Hydra's issuer (urls.self.issuer) instead of PublicURL +
// "/". The public API stays at PublicURL.
func WithIssuer(issuer string) Option {
	return func(o *options) { o.issuer = issuer }
}

// WithLoginURL sets the login app Hydra redirects an authorization request
// to (urls.login), with a login_challenge query parameter.
func WithLoginURL(u string) Option { return WithSetting("urls.login", u) }

// WithConsentURL sets the consent app Hydra redirects to after login
// (urls.consent), with a consent_challenge query parameter.
func WithConsentURL(u string) Option { return WithSetting("urls.consent", u) }

// WithLogoutURL sets the logout app (urls.logout).
func WithLogoutURL(u string) Option { return WithSetting("urls.logout", u) }

// WithSetting sets one key of Hydra's configuration reference, dotted
// ("webfinger.oidc_discovery.client_registration_url") or in environment
// form ("WEBFINGER_OIDC_DISCOVERY_CLIENT_REGISTRATION_URL"). The keys that
// keep Hydra in memory and on loopback (dsn, serve.*.host and port,
// urls.self.*, sqa, tracing.provider) belong to Start: setting one fails the
// test.
func WithSetting(key, value string) Option {
	return func(o *options) {
		o.settings[strings.ToUpper(strings.ReplaceAll(key, ".", "_"))] = value
	}
}

// WithLogOutput sends Hydra's log (stdout and stderr) to w instead of the
// test log.
func WithLogOutput(w io.Writer) Option {
	return func(o *options) { o.logOutput = w }
}

// startAttempts bounds the retries when another process takes a free port
// between its choice and Hydra's listen.
const startAttempts = 3

// readyTimeout bounds Hydra's start (in-memory migrations, key generation)
// on a loaded 2-core machine.
const readyTimeout = 90 * time.Second

// Start builds Hydra if needed (Binary), starts it and waits until both of
// its APIs answer /health/ready. It stops when the test ends; the test fails
// if Hydra cannot be built or started (never skips), or if Hydra tried to
// reach the network through the tripwire proxy.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := &options{settings: map[string]string{}}
	for _, opt := range opts {
		opt(o)
	}
	for k := range o.settings {
		if managed[k] {
			t.Fatalf("hydratest: %s is set by Start (Hydra stays in memory, on loopback, offline)", k)
		}
	}
	bin, err := Binary()
	if err != nil {
		t.Fatalf("hydratest: %v", err)
	}
	tw, err := startTripwire()
	if err != nil {
		t.Fatalf("hydratest: %v", err)
	}
	t.Cleanup(func() {
		tw.close()
		for _, c := range tw.attempts() {
			t.Errorf("hydratest: Hydra tried to reach the network: %s", c)
		}
	})
	out := o.logOutput
	if out == nil {
		out = testLogWriter{t}
	}
	for attempt := 1; ; attempt++ {
		s, err := start(t, bin, o, tw, out)
		if err == nil {
			t.Cleanup(s.Stop)
			return s
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			t.Fatalf("hydratest: %v", err)
		}
	}
}

var errPortTaken = errors.New("a port was taken before Hydra listened")

func start(t testing.TB, bin string, o *options, tw *tripwire, out io.Writer) (*Server, error) {
	publicPort, err := freePort()
	if err != nil {
		return nil, err
	}
	adminPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		PublicURL: "http://127.0.0.1:" + strconv.Itoa(publicPort),
		AdminURL:  "http://127.0.0.1:" + strconv.Itoa(adminPort),
		t:         t,
		exited:    make(chan struct{}),
		log:       &logSink{out: out},
		tripwire:  tw,
	}
	s.Issuer = o.issuer
	if s.Issuer == "" {
		s.Issuer = s.PublicURL + "/"
	}
	home := t.TempDir()
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	env := map[string]string{
		"HOME":   home,
		"TMPDIR": home,
		// Any HTTP request to a host other than loopback goes to the
		// tripwire, which refuses it and fails the test.
		"HTTP_PROXY":  tw.url(),
		"HTTPS_PROXY": tw.url(),
		"NO_PROXY":    "",

		"DSN":               "memory",
		"SERVE_PUBLIC_HOST": "127.0.0.1",
		"SERVE_PUBLIC_PORT": strconv.Itoa(publicPort),
		"SERVE_ADMIN_HOST":  "127.0.0.1",
		"SERVE_ADMIN_PORT":  strconv.Itoa(adminPort),
		"SERVE_PUBLIC_REQUEST_LOG_DISABLE_FOR_HEALTH": "true",
		"SERVE_ADMIN_REQUEST_LOG_DISABLE_FOR_HEALTH":  "true",
		"URLS_SELF_ISSUER":                            s.Issuer,
		"URLS_SELF_PUBLIC":                            s.PublicURL + "/",
		"URLS_SELF_ADMIN":                             s.AdminURL + "/",
		"SECRETS_SYSTEM":                              hex.EncodeToString(secret),
		"SQA_OPT_OUT":                                 "true",
		"LOG_LEVEL":                                   "info",
		"LOG_FORMAT":                                  "text",
		"LOG_LEAK_SENSITIVE_VALUES":                   "false",
	}
	for k, v := range o.settings {
		env[k] = v
	}
	s.cmd = exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out")
	s.cmd.Dir = home
	s.cmd.Env = make([]string, 0, len(env)) // nothing of the test process
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.Stop()
		if s.log.contains("address already in use") {
			return nil, fmt.Errorf("%w: %v", errPortTaken, err)
		}
		return nil, fmt.Errorf("hydra %s did not start: %v (its log is above)", Version, err)
	}
	return s, nil
}

// waitReady polls /health/ready of both APIs until they answer 200, Hydra
// exits or readyTimeout passes.
func (s *Server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	for _, base := range []string{s.AdminURL, s.PublicURL} {
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/health/ready", nil)
			resp, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case <-s.exited:
				return fmt.Errorf("hydra exited: %v", s.cmd.ProcessState)
			case <-ctx.Done():
				return fmt.Errorf("%s/health/ready did not answer 200 within %s", base, readyTimeout)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// Stop stops Hydra (SIGTERM, then SIGKILL after 10s) and waits for it; it
// is safe to call twice, and cleanup calls it. Tests of an unreachable
// authorization server call it themselves; everything Hydra held is lost.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// logSink forwards Hydra's output to out line by line, but for the
// migration lines, and keeps all of it to look for the reason of a failed
// start.
type logSink struct {
	mu   sync.Mutex
	out  io.Writer
	all  bytes.Buffer
	part []byte
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.part = append(l.part, p...)
	for {
		i := bytes.IndexByte(l.part, '\n')
		if i < 0 {
			break
		}
		if line := l.part[:i+1]; !isMigrationLine(line) {
			_, _ = l.out.Write(line)
		}
		l.part = l.part[i+1:]
	}
	return len(p), nil
}

// isMigrationLine reports the two lines Hydra logs for each of its ~40
// SQL migrations at every start (DSN=memory migrates on start): noise that
// would bury the requests of the test.
func isMigrationLine(line []byte) bool {
	return bytes.Contains(line, []byte("migration_file=")) &&
		(bytes.Contains(line, []byte("msg=Migration has not yet been applied")) ||
			bytes.Contains(line, []byte("applied successfully")))
}

func (l *logSink) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Contains(l.all.Bytes(), []byte(s))
}

// testLogWriter writes each line to the test log, shown when the test
// fails or with -v.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log("hydra: " + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// tripwire is an HTTP proxy on loopback that refuses every request and
// records it: Hydra's HTTP_PROXY and HTTPS_PROXY, so that any request to a
// host other than loopback (Go never proxies loopback) shows up here
// instead of leaving the machine.
type tripwire struct {
	ln   net.Listener
	mu   sync.Mutex
	seen []string
	wg   sync.WaitGroup
}

func startTripwire() (*tripwire, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tripwire proxy: %w", err)
	}
	tw := &tripwire{ln: ln}
	tw.wg.Add(1)
	go func() {
		defer tw.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tw.wg.Add(1)
			go func() {
				defer tw.wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				line, _, _ := strings.Cut(readLine(c), " HTTP/")
				tw.mu.Lock()
				tw.seen = append(tw.seen, line)
				tw.mu.Unlock()
				_, _ = io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			}()
		}
	}()
	return tw, nil
}

// readLine reads the request line ("CONNECT sqa.ory.sh:443 HTTP/1.1").
func readLine(r io.Reader) string {
	var b []byte
	one := make([]byte, 1)
	for len(b) < 1024 {
		if n, err := r.Read(one); n == 0 || err != nil {
			break
		}
		if one[0] == '\n' {
			break
		}
		b = append(b, one[0])
	}
	return strings.TrimSpace(string(b))
}

func (tw *tripwire) url() string { return "http://" + tw.ln.Addr().String() }

func (tw *tripwire) close() {
	_ = tw.ln.Close()
	tw.wg.Wait()
}

// attempts returns each distinct request the tripwire refused, with how
// many times it came (Hydra's HTTP client retries).
func (tw *tripwire) attempts() []string {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	var out []string
	count := map[string]int{}
	for _, s := range tw.seen {
		if count[s]++; count[s] == 1 {
			out = append(out, s)
		}
	}
	for i, s := range out {
		if n := count[s]; n > 1 {
			out[i] = fmt.Sprintf("%s (%d times)", s, n)
		}
	}
	return out
}

package plugintest

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// Build compiles the Go main package pkg (an import path, or a directory
// relative to the test's working directory such as "." or "./cmd/myplugin")
// into t.TempDir() and returns the executable's path. It fails the test when
// the build fails.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	name := filepath.Base(strings.TrimSuffix(pkg, "/"))
	if name == "." || name == "/" || name == "" {
		if wd, err := os.Getwd(); err == nil {
			name = filepath.Base(wd)
		} else {
			name = "plugin"
		}
	}
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	out := filepath.Join(t.TempDir(), name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plugintest: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// SHA256 returns the hex SHA-256 of the file at path, the value of a
// plugin's sha256 setting. It fails the test when the file cannot be read.
func SHA256(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatalf("plugintest: read %s: %v", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Option changes how Start launches a plugin.
type Option func(*options)

type options struct {
	launch plugin.LaunchConfig
	config []byte
}

// WithConfig sends config, a JSON object, to the plugin's Configure after
// the start. Without it Start sends nothing.
func WithConfig(config []byte) Option {
	return func(o *options) { o.config = append([]byte(nil), config...) }
}

// WithEnv sets the plugin's whole environment ("KEY=value" entries).
func WithEnv(env ...string) Option {
	return func(o *options) { o.launch.Env = append(o.launch.Env, env...) }
}

// WithArgs passes command-line arguments to the plugin.
func WithArgs(args ...string) Option {
	return func(o *options) { o.launch.Args = append(o.launch.Args, args...) }
}

// WithLogger sends the plugin's logs to logger instead of the test log.
func WithLogger(logger hclog.Logger) Option {
	return func(o *options) { o.launch.Logger = logger }
}

// WithDevMode launches without the SHA-256 pin. By default Start pins the
// checksum of the file, so that the check runs as in production.
func WithDevMode() Option {
	return func(o *options) { o.launch.DevMode = true }
}

// WithoutMTLS launches without automatic mutual TLS.
func WithoutMTLS() Option {
	return func(o *options) { o.launch.DisableMTLS = true }
}

// WithStartTimeout bounds the start of the plugin.
func WithStartTimeout(d time.Duration) Option {
	return func(o *options) { o.launch.StartTimeout = d }
}

// Start launches the plugin executable at path through the real go-plugin
// handshake, with its SHA-256 pinned (unless WithDevMode), configures it
// when WithConfig is given, and kills it when the test ends. Plugin logs go
// to the test log. It fails the test when the plugin cannot start or
// rejects its configuration.
func Start(t testing.TB, path string, opts ...Option) *plugin.Instance {
	t.Helper()
	o := options{launch: plugin.LaunchConfig{Name: filepath.Base(path), Path: path}}
	for _, opt := range opts {
		opt(&o)
	}
	if !o.launch.DevMode {
		o.launch.SHA256 = SHA256(t, path)
	}
	if o.launch.Logger == nil {
		w := &testWriter{t: t}
		t.Cleanup(w.close) // registered first, so it runs after Kill
		o.launch.Logger = hclog.New(&hclog.LoggerOptions{
			Name:   "plugintest",
			Level:  hclog.Info,
			Output: w,
		})
	}
	inst, err := plugin.Launch(t.Context(), o.launch)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	t.Cleanup(inst.Kill)
	if o.config != nil {
		if err := inst.Configure(t.Context(), o.config); err != nil {
			t.Fatalf("plugintest: configure %s: %v", path, err)
		}
	}
	return inst
}

// testWriter writes log lines to the test log until the test ends, and
// drops them after (t.Log panics once a test has completed).
type testWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// Serve serves cfg in the test's own process, as plugin.Serve would serve
// it from a binary, and returns the Instance connected to it over the real
// gRPC wire (protobuf encoding, the SDK's converters, errors as gRPC
// statuses; no subprocess, handshake or TLS): an implementation that passes
// its tests through Serve behaves the same as a plugin. The plugin is not
// configured: call Configure on the Instance when cfg takes a
// configuration. Serve stops it when the test ends; Kill stops it earlier,
// after which calls fail as after a crash (sdk.ErrUnavailable). It fails
// the test when cfg serves nothing.
func Serve(t testing.TB, cfg *plugin.ServeConfig, opts ...plugin.ServeOption) *plugin.Instance {
	t.Helper()
	inst, err := plugin.ServeInProcess(t.Context(), cfg, opts...)
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	t.Cleanup(inst.Kill)
	return inst
}

// ServeUpstream serves u with Serve and returns the host side of it: an
// sdk.Upstream whose every call crosses the gRPC wire, so that a test of
// the host (or a conformance check of u) sees exactly what a plugin's
// upstream would see and answer.
func ServeUpstream(t testing.TB, u sdk.Upstream) sdk.Upstream {
	t.Helper()
	up, err := Serve(t, &plugin.ServeConfig{Upstream: u}).Upstream()
	if err != nil {
		t.Fatalf("plugintest: %v", err)
	}
	return up
}

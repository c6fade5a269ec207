package plugin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// DefaultStartTimeout bounds the start of a plugin when
// LaunchConfig.StartTimeout is zero.
const DefaultStartTimeout = 10 * time.Second

// LaunchConfig says how to start a plugin binary.
type LaunchConfig struct {
	// Name is the plugin's name in the server's configuration; its log lines
	// appear under Logger.Named(Name).
	Name string
	// Path is the plugin executable. A relative path is relative to the
	// working directory (never looked up in PATH).
	Path string
	// Args are the arguments passed to the executable.
	Args []string
	// SHA256 is the hex SHA-256 of the executable. The file is checked
	// before it is started. Required unless DevMode.
	SHA256 string
	// DevMode allows an empty SHA256, for development only.
	DevMode bool
	// DisableMTLS turns off go-plugin's automatic mutual TLS, for plugins
	// that cannot do it (some non-Go plugins). The connection is then a
	// plain local socket: weaker, never the default.
	DisableMTLS bool
	// Logger receives the plugin's log lines (under Logger.Named(Name)) and
	// go-plugin's own. Default: hclog.Default().
	Logger hclog.Logger
	// Env is the whole environment of the plugin process, as "KEY=value"
	// entries. The server's environment is not inherited.
	Env []string
	// StartTimeout bounds the start and handshake; 0 means
	// DefaultStartTimeout. Launch's context can end it earlier.
	StartTimeout time.Duration
}

// Instance is a running plugin. Its methods are safe for concurrent use.
// The host owns its lifetime: call Kill when done, and Launch a new one when
// Exited reports that the process is gone.
type Instance struct {
	name    string
	proc    process
	control *controlClient
	kinds   []string

	validator *validatorClient
	processor *processorClient
	store     *storeClient
	tokens    *tokenStoreClient
	jtis      *jtiStoreClient
	response  *responseClient
	upstream  *upstreamClient
}

// Launch starts the plugin binary, checks its checksum, performs the
// versioned handshake and asks it what it serves. The plugin is not yet
// configured: call Configure next.
//
// Errors name the plugin and say what failed: a missing or mismatched
// SHA-256, a protocol version mismatch, a binary that is not a Registrar
// plugin, a start timeout.
func Launch(ctx context.Context, cfg LaunchConfig) (*Instance, error) {
	name := cfg.Name
	if name == "" {
		name = filepath.Base(cfg.Path)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plugin %q: "+format, append([]any{name}, args...)...)
	}
	if cfg.Path == "" {
		return nil, fail("no path to the plugin executable")
	}
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fail("path %s: %w", cfg.Path, err)
	}
	var secure *goplugin.SecureConfig
	switch {
	case cfg.SHA256 != "":
		sum, err := hex.DecodeString(strings.TrimSpace(cfg.SHA256))
		if err != nil || len(sum) != sha256.Size {
			return nil, fail("sha256 %q is not a hex SHA-256 checksum (64 hex digits)", cfg.SHA256)
		}
		secure = &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	case !cfg.DevMode:
		return nil, fail("a sha256 checksum of %s is required (dev mode allows none)", path)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = hclog.Default()
	}
	logger = logger.Named(name)
	timeout := cfg.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}

	cmd := exec.Command(path, cfg.Args...)
	cmd.Env = append(make([]string, 0, len(cfg.Env)+8), cfg.Env...)
	stdio := logger.StandardWriter(&hclog.StandardLoggerOptions{InferLevels: true})
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig:  Handshake(),
		VersionedPlugins: map[int]goplugin.PluginSet{ProtocolVersion: hostPluginSet()},
		Cmd:              cmd,
		SkipHostEnv:      true,
		SecureConfig:     secure,
		AutoMTLS:         !cfg.DisableMTLS,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Managed:          false,
		StartTimeout:     timeout,
		Logger:           &pluginLogger{Logger: logger, binary: filepath.Base(path)},
		SyncStdout:       stdio,
		SyncStderr:       stdio,
	})

	type started struct {
		rpc goplugin.ClientProtocol
		err error
	}
	done := make(chan started, 1)
	go func() {
		rpc, err := client.Client()
		done <- started{rpc, err}
	}()
	var rpc goplugin.ClientProtocol
	select {
	case s := <-done:
		if s.err != nil {
			client.Kill()
			return nil, startError(fail, path, cfg.SHA256, s.err)
		}
		rpc = s.rpc
	case <-ctx.Done():
		go func() { <-done; client.Kill() }()
		return nil, fail("start: %w", ctx.Err())
	}

	in := &Instance{name: name, proc: client}
	if err := in.describe(ctx, rpc); err != nil {
		client.Kill()
		return nil, fail("%w", err)
	}
	return in, nil
}

// startError explains why go-plugin could not start the plugin.
func startError(fail func(string, ...any) error, path, sum string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, goplugin.ErrChecksumsDoNotMatch):
		return fail("the SHA-256 checksum of %s does not match the configured sha256 %s: refusing to start it: %w", path, sum, err)
	case strings.Contains(msg, "incompatible API version"):
		return fail("plugin protocol version mismatch: this server speaks version %d (%w); rebuild the plugin against a matching Registrar SDK", ProtocolVersion, err)
	case strings.Contains(msg, "error verifying checksum"):
		return fail("cannot verify the SHA-256 checksum of %s: %w", path, err)
	}
	return fail("start %s: %w", path, err)
}

// describe asks the plugin what it serves and dispenses those kinds.
func (in *Instance) describe(ctx context.Context, rpc dispenser) error {
	raw, err := rpc.Dispense(controlKey)
	if err != nil {
		return fmt.Errorf("dispense: %w", err)
	}
	in.control = raw.(*controlClient)
	d, err := in.control.client.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return fmt.Errorf("not a Registrar plugin, or it failed to answer Describe: %w", convert.FromStatus(err))
	}
	for _, kind := range d.GetKinds() {
		if slices.Contains(in.kinds, kind) {
			continue
		}
		raw, err := rpc.Dispense(kind)
		if err != nil {
			continue // a kind this server does not know: ignore it
		}
		in.kinds = append(in.kinds, kind)
		switch c := raw.(type) {
		case *validatorClient:
			in.validator = c
		case *processorClient:
			in.processor = c
		case *storeClient:
			in.store = c
		case *tokenStoreClient:
			in.tokens = c
		case *jtiStoreClient:
			in.jtis = c
		case *responseClient:
			in.response = c
		case *upstreamClient:
			in.upstream = c
		}
	}
	if len(in.kinds) == 0 {
		return fmt.Errorf("the plugin serves no kind this server knows (it announced %v)", d.GetKinds())
	}
	return nil
}

// Name returns the plugin's name.
func (in *Instance) Name() string { return in.name }

// Kinds returns the kinds the plugin serves.
func (in *Instance) Kinds() []string { return slices.Clone(in.kinds) }

// Serves reports whether the plugin serves kind.
func (in *Instance) Serves(kind string) bool { return slices.Contains(in.kinds, kind) }

func (in *Instance) notServed(kind string) error {
	return fmt.Errorf("plugin %q does not serve %s: %w", in.name, kind, ErrNotServed)
}

// Validator returns the plugin's validator, or an error wrapping
// ErrNotServed.
func (in *Instance) Validator() (sdk.Validator, error) {
	if in.validator == nil {
		return nil, in.notServed(KindValidator)
	}
	return in.validator, nil
}

// Processor returns the plugin's processor, or an error wrapping
// ErrNotServed.
func (in *Instance) Processor() (sdk.Processor, error) {
	if in.processor == nil {
		return nil, in.notServed(KindProcessor)
	}
	return in.processor, nil
}

// Store returns the plugin's whole store (sdk.Store), or an error wrapping
// ErrNotServed when the plugin does not serve all of KindStore,
// KindTokenStore and KindJTIStore.
func (in *Instance) Store() (sdk.Store, error) {
	switch {
	case in.store == nil:
		return nil, in.notServed(KindStore)
	case in.tokens == nil:
		return nil, in.notServed(KindTokenStore)
	case in.jtis == nil:
		return nil, in.notServed(KindJTIStore)
	}
	return fullStore{in.store, in.tokens, in.jtis}, nil
}

// ClientStore returns the plugin's client store, or an error wrapping
// ErrNotServed.
func (in *Instance) ClientStore() (sdk.ClientStore, error) {
	if in.store == nil {
		return nil, in.notServed(KindStore)
	}
	return in.store, nil
}

// TokenStore returns the plugin's initial access token store, or an error
// wrapping ErrNotServed.
func (in *Instance) TokenStore() (sdk.TokenStore, error) {
	if in.tokens == nil {
		return nil, in.notServed(KindTokenStore)
	}
	return in.tokens, nil
}

// JTIStore returns the plugin's jti store, or an error wrapping
// ErrNotServed.
func (in *Instance) JTIStore() (sdk.JTIStore, error) {
	if in.jtis == nil {
		return nil, in.notServed(KindJTIStore)
	}
	return in.jtis, nil
}

// Response returns the plugin's response generator, or an error wrapping
// ErrNotServed.
func (in *Instance) Response() (sdk.ResponseGenerator, error) {
	if in.response == nil {
		return nil, in.notServed(KindResponse)
	}
	return in.response, nil
}

// Upstream returns the plugin's upstream (the authorization server it
// provisions clients into), or an error wrapping ErrNotServed.
func (in *Instance) Upstream() (sdk.Upstream, error) {
	if in.upstream == nil {
		return nil, in.notServed(KindUpstream)
	}
	return in.upstream, nil
}

// Configure sends the plugin its configuration, a JSON object (nil or empty
// means {}). It returns a *ConfigError when the plugin rejects the
// configuration, and an error matching sdk.ErrUnavailable when the plugin
// cannot be reached.
func (in *Instance) Configure(ctx context.Context, configJSON []byte) error {
	_, err := in.control.client.Configure(ctx, &pb.ConfigureRequest{ConfigJson: configJSON})
	if err == nil {
		return nil
	}
	if attr, msg, ok := convert.ConfigErrorFromStatus(err); ok {
		return &ConfigError{Attribute: attr, Message: msg}
	}
	return fmt.Errorf("plugin %q: configure: %w", in.name, convert.FromStatus(err))
}

// Health returns nil when the plugin (and, for a store, its database; for
// an upstream, its authorization server) can serve requests. A plugin that exited or cannot be reached yields an error
// matching sdk.ErrUnavailable.
func (in *Instance) Health(ctx context.Context) error {
	if in.proc.Exited() {
		return fmt.Errorf("plugin %q exited: %w", in.name, sdk.ErrUnavailable)
	}
	_, err := in.control.client.Health(ctx, &pb.HealthRequest{})
	if err != nil {
		return fmt.Errorf("plugin %q: health: %w", in.name, convert.FromStatus(err))
	}
	return nil
}

// Exited reports whether the plugin process has exited.
func (in *Instance) Exited() bool { return in.proc.Exited() }

// Kill stops the plugin: it asks it to shut down, waits up to two seconds,
// then kills the process. Calls in flight fail with sdk.ErrUnavailable.
// Kill may be called more than once.
func (in *Instance) Kill() { in.proc.Kill() }

// dispenser hands out the host side of a kind: goplugin.ClientProtocol, or
// connDispenser for a plugin served in this process.
type dispenser interface {
	Dispense(kind string) (any, error)
}

// process is what an Instance needs of the plugin behind it: a go-plugin
// subprocess (*goplugin.Client) or a server in this process (ServeInProcess).
type process interface {
	Exited() bool
	Kill()
}

var _ process = (*goplugin.Client)(nil)

// pluginLogger routes the plugin's log lines to the logger itself: go-plugin
// names them after the executable (Named(base of the path)), and the host
// wants them under the plugin's configured name.
type pluginLogger struct {
	hclog.Logger
	binary string
}

func (l *pluginLogger) Named(name string) hclog.Logger {
	if name == l.binary {
		return l.Logger
	}
	return l.Logger.Named(name)
}

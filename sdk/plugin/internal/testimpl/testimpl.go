package testimpl

import (
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

// Request items the test plugin understands.
const (
	// ItemGetenv asks for a report of environment variables: a
	// comma-separated list of names; the answer has an item "env.NAME" for
	// each, set to os.Getenv(NAME).
	ItemGetenv = "testplugin.getenv"
	// ItemError asks the Processor to fail: an error code ("invalid_token",
	// ...) returns that sdk prototype refined with ItemDescription and
	// wrapped; "not_found", "already_exists", "conflict" and "unavailable"
	// return the wrapped store sentinel; "plain" a plain error; "panic"
	// panics.
	ItemError = "testplugin.error"
	// ItemDescription is the description of the error of ItemError.
	ItemDescription = "testplugin.description"
)

// Prototypes are the sdk error prototypes by code.
var Prototypes = map[string]*sdk.Error{}

func init() {
	for _, e := range []*sdk.Error{
		sdk.ErrInvalidRedirectURI(), sdk.ErrInvalidClientMetadata(), sdk.ErrInvalidSoftwareStatement(),
		sdk.ErrUnapprovedSoftwareStatement(), sdk.ErrInvalidRequest(), sdk.ErrInvalidToken(),
		sdk.ErrInsufficientScope(), sdk.ErrAccessDenied(), sdk.ErrTooManyRequests(), sdk.ErrServer(),
		sdk.ErrTemporarilyUnavailable(),
	} {
		Prototypes[e.Code] = e
	}
}

// Requests with these client names crash or hang the plugin in the middle
// of Validate, whatever the mode: host tests use them to fail one request
// and check that the next one succeeds.
const (
	CrashClientName = "testplugin: crash now"
	HangClientName  = "testplugin: hang now"
)

// StoreFailsClientName makes the Store refuse to create a client of that
// name with a plain error, as a database would fail a write: end-to-end
// tests use it to fail the local write after the upstream accepted.
const StoreFailsClientName = "testplugin: store fails"

// Config is the configuration of the test plugin.
type Config struct {
	// Fail rejects the configuration (a ConfigError on attribute "fail").
	Fail bool `json:"fail"`
	// Mode: "" normal; "crash" exits the process in the middle of Validate;
	// "hang" blocks Validate forever, ignoring its context; "unhealthy"
	// fails Health with sdk.ErrUnavailable; "report" makes Validate report
	// the credentials it received (see ReportItems).
	Mode string `json:"mode"`
	// ClientIDPrefix prefixes the client ids the Processor assigns
	// (default "tp-").
	ClientIDPrefix string `json:"client_id_prefix"`
	// Upstream is the behaviour of the Upstream: "" keeps Registrar's ids
	// and secrets; "assign" assigns them as AssignedID and AssignedSecret
	// say; "down" answers every call, Health included, with
	// sdk.ErrUnavailable (the authorization server is down, the plugin is
	// not).
	Upstream string `json:"upstream"`
}

var (
	mu      sync.RWMutex
	current = Config{ClientIDPrefix: "tp-"}
)

func config() Config {
	mu.RLock()
	defer mu.RUnlock()
	return current
}

// Configure is the plugin's Configure function.
func Configure(_ context.Context, raw []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return &plugin.ConfigError{Message: "not a JSON object"}
	}
	for name := range members {
		switch name {
		case "fail", "mode", "client_id_prefix", "upstream":
		default:
			return &plugin.ConfigError{Attribute: name, Message: "unknown attribute"}
		}
	}
	c := Config{ClientIDPrefix: "tp-"}
	if err := json.Unmarshal(raw, &c); err != nil {
		return &plugin.ConfigError{Message: err.Error()}
	}
	if c.Fail {
		return fmt.Errorf("configure: %w", &plugin.ConfigError{Attribute: "fail", Message: "must not be true"})
	}
	switch c.Mode {
	case "", "crash", "hang", "unhealthy", "report":
	default:
		return &plugin.ConfigError{Attribute: "mode", Message: fmt.Sprintf("unknown mode %q", c.Mode)}
	}
	switch c.Upstream {
	case "", "assign", "down":
	default:
		return &plugin.ConfigError{Attribute: "upstream", Message: fmt.Sprintf("unknown upstream behaviour %q", c.Upstream)}
	}
	mu.Lock()
	current = c
	mu.Unlock()
	return nil
}

// Health is the plugin's Health function.
func Health(context.Context) error {
	if config().Mode == "unhealthy" {
		return fmt.Errorf("testplugin is configured unhealthy: %w", sdk.ErrUnavailable)
	}
	return nil
}

// Steps are the built-in steps with a company rule on redirect URIs: the
// host evil.example is refused. SoftwareStatement also carries the crash and
// hang modes and the environment report, so that they happen in the middle
// of Validate.
type Steps struct{ sdk.DefaultSteps }

var _ sdk.Steps = Steps{}

// SoftwareStatement implements sdk.Steps.
func (s Steps) SoftwareStatement(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	mode := config().Mode
	switch rc.Request.ClientName {
	case CrashClientName:
		mode = "crash"
	case HangClientName:
		mode = "hang"
	}
	switch mode {
	case "crash":
		os.Exit(1)
	case "hang":
		select {} // ignore ctx: the host must not depend on the plugin giving up
	}
	if mode == "report" {
		rc.Items = Report(rc)
	}
	if names := rc.Items[ItemGetenv]; names != "" {
		items := maps.Clone(rc.Items)
		for _, name := range strings.Split(names, ",") {
			items["env."+name] = os.Getenv(name)
		}
		rc.Items = items
	}
	return s.DefaultSteps.SoftwareStatement(ctx, rc)
}

// ReportPrefix starts the names of the items that the "report" mode adds:
// ReportPrefix + "issued.client_secret", "issued.registration_access_token",
// and for "client" and "current": "secret_hash", "secret_sealed" (hex),
// "registration_token_hash" — each the value the validator received, ""
// when empty. A host test reads them to prove what a validator sees.
const ReportPrefix = "testplugin.seen."

// Report returns rc's items plus the report of the credentials rc holds.
func Report(rc sdk.RegistrationContext) map[string]string {
	items := maps.Clone(rc.Items)
	if items == nil {
		items = map[string]string{}
	}
	items[ReportPrefix+"issued.client_secret"] = rc.Issued.ClientSecret
	items[ReportPrefix+"issued.registration_access_token"] = rc.Issued.RegistrationAccessToken
	report := func(name string, c *sdk.Client) {
		if c == nil {
			return
		}
		items[ReportPrefix+name+".secret_hash"] = c.SecretHash
		items[ReportPrefix+name+".secret_sealed"] = hex.EncodeToString(c.SecretSealed)
		items[ReportPrefix+name+".registration_token_hash"] = c.RegistrationTokenHash
	}
	report("client", &rc.Client)
	report("current", rc.Current)
	return items
}

// RedirectURIs implements sdk.Steps: the default checks, then the company
// rule.
func (s Steps) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	rc, err := s.DefaultSteps.RedirectURIs(ctx, rc)
	if err != nil {
		return rc, err
	}
	for i, u := range rc.Client.Metadata.RedirectURIs {
		if p, err := url.Parse(u); err == nil && p.Hostname() == "evil.example" {
			return rc, sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[%d]: host evil.example is not allowed", i)
		}
	}
	return rc, nil
}

// Processor assigns a prefixed client id and issues a registration access
// token (and a secret when the auth method needs one). It leaves the
// metadata alone.
type Processor struct{}

var _ sdk.Processor = Processor{}

// Process implements sdk.Processor.
func (Processor) Process(_ context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	if code := rc.Items[ItemError]; code != "" {
		return rc, requestedError(code, rc.Items[ItemDescription])
	}
	id, err := sdk.RandomToken()
	if err != nil {
		return rc, err
	}
	rat, err := sdk.RandomToken()
	if err != nil {
		return rc, err
	}
	rc.Client.ID = config().ClientIDPrefix + id[:16]
	rc.Client.IssuedAt = rc.Now.Unix()
	rc.Client.Profile = rc.Caller.Profile
	rc.Client.RegistrationTokenHash = sdk.HashToken(rat)
	rc.Issued = sdk.Credentials{RegistrationAccessToken: rat}
	if sdk.NeedsSecret(rc.Client.Metadata.TokenEndpointAuthMethod) {
		secret, err := sdk.RandomToken()
		if err != nil {
			return rc, err
		}
		rc.Client.SecretHash = sdk.HashToken(secret)
		rc.Issued.ClientSecret = secret
	}
	return rc, nil
}

func requestedError(code, description string) error {
	switch code {
	case "not_found":
		return fmt.Errorf("lookup: %w", sdk.ErrNotFound)
	case "already_exists":
		return fmt.Errorf("insert: %w", sdk.ErrAlreadyExists)
	case "conflict":
		return fmt.Errorf("update: %w", sdk.ErrConflict)
	case "unavailable":
		return fmt.Errorf("database: %w", sdk.ErrUnavailable)
	case "plain":
		return errors.New("testplugin: plain failure with internal detail")
	case "panic":
		panic("testplugin: requested panic")
	}
	if p, ok := Prototypes[code]; ok {
		return fmt.Errorf("testplugin: %w", p.WithDescription("%s", description).WithCause(errors.New("internal cause")))
	}
	return fmt.Errorf("testplugin: unknown requested error %q", code)
}

// Response is the default response with one more member, "x_plugin".
type Response struct{}

var _ sdk.ResponseGenerator = Response{}

// Generate implements sdk.ResponseGenerator.
func (Response) Generate(ctx context.Context, rc sdk.RegistrationContext, uri string) (sdk.Response, error) {
	resp, err := sdk.DefaultResponseGenerator{}.Generate(ctx, rc, uri)
	if err != nil || len(resp.Body) < 2 {
		return resp, err
	}
	body := append([]byte(`{"x_plugin":"testplugin"`), resp.Body[1:]...)
	if len(resp.Body) > 2 {
		body = append([]byte(`{"x_plugin":"testplugin",`), resp.Body[1:]...)
	}
	resp.Body = body
	return resp, nil
}

// Store is an in-memory sdk.Store. The zero value is ready to use.
type Store struct {
	mu        sync.Mutex
	clients   map[string]sdk.Client
	byToken   map[string]string
	tokens    map[string]sdk.InitialAccessToken // by ID
	tokenHash map[string]string                 // hash -> ID
	jti       map[string]int64                  // key -> expiresAt
}

var _ sdk.Store = (*Store)(nil)

// Create implements sdk.Store.
func (s *Store) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients == nil {
		s.clients, s.byToken = map[string]sdk.Client{}, map[string]string{}
	}
	if _, ok := s.clients[c.ID]; ok {
		return sdk.Client{}, fmt.Errorf("client %q: %w", c.ID, sdk.ErrAlreadyExists)
	}
	if c.Metadata.ClientName == StoreFailsClientName {
		return sdk.Client{}, errors.New("testplugin: the store fails this write")
	}
	c = c.Clone()
	c.Revision = 1
	s.put(c)
	return c.Clone(), nil
}

func (s *Store) put(c sdk.Client) {
	s.clients[c.ID] = c
	if c.RegistrationTokenHash != "" {
		s.byToken[c.RegistrationTokenHash] = c.ID
	}
}

func (s *Store) remove(id string) {
	if old, ok := s.clients[id]; ok {
		if s.byToken[old.RegistrationTokenHash] == id {
			delete(s.byToken, old.RegistrationTokenHash)
		}
		delete(s.clients, id)
	}
}

// Get implements sdk.Store.
func (s *Store) Get(ctx context.Context, id string) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return sdk.Client{}, fmt.Errorf("client %q: %w", id, sdk.ErrNotFound)
	}
	return c.Clone(), nil
}

// GetByRegistrationToken implements sdk.Store.
func (s *Store) GetByRegistrationToken(ctx context.Context, hash string) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byToken[hash]
	if !ok || hash == "" {
		return sdk.Client{}, fmt.Errorf("registration token: %w", sdk.ErrNotFound)
	}
	return s.clients[id].Clone(), nil
}

// Update implements sdk.Store.
func (s *Store) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	if err := ctx.Err(); err != nil {
		return sdk.Client{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.clients[c.ID]
	if !ok {
		return sdk.Client{}, fmt.Errorf("client %q: %w", c.ID, sdk.ErrNotFound)
	}
	if old.Revision != c.Revision {
		return sdk.Client{}, fmt.Errorf("client %q at revision %d, not %d: %w", c.ID, old.Revision, c.Revision, sdk.ErrConflict)
	}
	s.remove(c.ID)
	c = c.Clone()
	c.Revision = old.Revision + 1
	s.put(c)
	return c.Clone(), nil
}

// Delete implements sdk.Store.
func (s *Store) Delete(ctx context.Context, id string, revision int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("client %q: %w", id, sdk.ErrNotFound)
	}
	if old.Revision != revision {
		return fmt.Errorf("client %q at revision %d, not %d: %w", id, old.Revision, revision, sdk.ErrConflict)
	}
	s.remove(id)
	return nil
}

// CountClients implements sdk.Store.
func (s *Store) CountClients(ctx context.Context, profile string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, c := range s.clients {
		if c.Profile == profile {
			n++
		}
	}
	return n, nil
}

// CreateToken implements sdk.Store.
func (s *Store) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	if t.ID == "" || t.Hash == "" {
		return sdk.InitialAccessToken{}, errors.New("an initial access token needs an ID and a Hash")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens, s.tokenHash = map[string]sdk.InitialAccessToken{}, map[string]string{}
	}
	if _, ok := s.tokens[t.ID]; ok {
		return sdk.InitialAccessToken{}, fmt.Errorf("token %q: %w", t.ID, sdk.ErrAlreadyExists)
	}
	if _, ok := s.tokenHash[t.Hash]; ok {
		return sdk.InitialAccessToken{}, fmt.Errorf("token hash: %w", sdk.ErrAlreadyExists)
	}
	t.Revision = 1
	s.tokens[t.ID], s.tokenHash[t.Hash] = t, t.ID
	return t, nil
}

// GetToken implements sdk.Store.
func (s *Store) GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.tokenHash[hash]
	if !ok {
		return sdk.InitialAccessToken{}, fmt.Errorf("token: %w", sdk.ErrNotFound)
	}
	return s.tokens[id], nil
}

// ListTokens implements sdk.Store.
func (s *Store) ListTokens(ctx context.Context) ([]sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := slices.Collect(maps.Values(s.tokens))
	slices.SortFunc(list, func(a, b sdk.InitialAccessToken) int {
		if a.CreatedAt != b.CreatedAt {
			return cmp.Compare(a.CreatedAt, b.CreatedAt)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return list, nil
}

// UpdateToken implements sdk.Store. A changed Hash is refused.
func (s *Store) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	if err := ctx.Err(); err != nil {
		return sdk.InitialAccessToken{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens[t.ID]
	switch {
	case !ok:
		return sdk.InitialAccessToken{}, fmt.Errorf("token %q: %w", t.ID, sdk.ErrNotFound)
	case old.Revision != t.Revision:
		return sdk.InitialAccessToken{}, fmt.Errorf("token %q at revision %d, not %d: %w", t.ID, old.Revision, t.Revision, sdk.ErrConflict)
	case old.Hash != t.Hash:
		return sdk.InitialAccessToken{}, fmt.Errorf("token %q: the hash cannot change", t.ID)
	}
	t.Revision = old.Revision + 1
	s.tokens[t.ID] = t
	return t, nil
}

// MarkJTIUsed implements sdk.Store.
func (s *Store) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jti == nil {
		s.jti = map[string]int64{}
	}
	if exp, ok := s.jti[key]; ok && exp > now {
		return fmt.Errorf("jti: %w", sdk.ErrAlreadyExists)
	}
	s.jti[key] = expiresAt
	return nil
}

// Health implements sdk.Store.
func (s *Store) Health(ctx context.Context) error { return ctx.Err() }

// ClientsOnly is a store that keeps clients and nothing else: a plugin
// serving it serves the store kind, not token_store or jti_store.
type ClientsOnly struct{ sdk.ClientStore }

// Kinds returns the kinds listed in spec ("validator,store,upstream",
// ...), or when spec is empty every kind but the upstream, which a test
// asks for by name.
func Kinds(spec string) []string {
	all := []string{plugin.KindValidator, plugin.KindProcessor, plugin.KindStore, plugin.KindResponse}
	if spec == "" {
		return all
	}
	known := append(slices.Clip(all), plugin.KindUpstream)
	var kinds []string
	for _, k := range strings.Split(spec, ",") {
		if slices.Contains(known, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// ErrorClientNamePrefix starts a client name that makes the Upstream fail
// as requested: "testplugin: error invalid_redirect_uri" refuses the client
// with that prototype; "testplugin: error not_found", "... unavailable"
// return the wrapped sentinel (see ItemError for the codes).
const ErrorClientNamePrefix = "testplugin: error "

// UpstreamPageSize is the number of clients per page of Upstream.List.
const UpstreamPageSize = 2

// AssignedID is the client_id the Upstream assigns in mode "assign".
func AssignedID(clientID string) string { return "up-" + clientID }

// AssignedSecret is the client secret the Upstream assigns in mode
// "assign" to a client Registrar issued a secret: derived from it, so that
// a test proves that the secret crossed the wire both ways.
func AssignedSecret(secret string) string { return "up-" + sdk.HashToken(secret)[:20] }

// Upstream is an in-memory authorization server: it keeps the provisioned
// clients with their secrets and answers List in pages of
// UpstreamPageSize, ordered by client_id. Client names CrashClientName,
// HangClientName and ErrorClientNamePrefix make a call crash, hang or fail
// (Delete looks at the stored client's name). Each call logs the
// Provision it received, at debug level, through sdk's redacting String
// and JSON forms. The zero value is ready to use.
type Upstream struct {
	// Logger receives the debug lines; nil logs nothing.
	Logger interface {
		Debug(msg string, args ...any)
	}

	mu      sync.Mutex
	clients map[string]upstreamClient
}

type upstreamClient struct {
	p       sdk.Provision
	secret  string
	created int64
}

var _ sdk.Upstream = (*Upstream)(nil)

func (u *Upstream) log(op string, p any) {
	if u.Logger != nil {
		u.Logger.Debug("upstream call", "op", op, "provision", p, "string", fmt.Sprint(p), "gostring", fmt.Sprintf("%#v", p))
	}
}

// upstreamFail crashes, hangs or fails as the client name asks, or as the
// configured behaviour says; else it answers nil.
func upstreamFail(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch {
	case name == CrashClientName:
		os.Exit(1)
	case name == HangClientName:
		select {} // ignore ctx: the host must not depend on the plugin giving up
	case strings.HasPrefix(name, ErrorClientNamePrefix):
		return requestedError(strings.TrimPrefix(name, ErrorClientNamePrefix), "client_name: refused by the authorization server")
	}
	if config().Upstream == "down" {
		return fmt.Errorf("authorization server: connection refused: %w", sdk.ErrUnavailable)
	}
	return nil
}

// Create implements sdk.Upstream.
func (u *Upstream) Create(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	u.log("create", p)
	if err := upstreamFail(ctx, p.Client.Metadata.ClientName); err != nil {
		return sdk.Provisioned{}, err
	}
	var out sdk.Provisioned
	if config().Upstream == "assign" {
		out.ClientID = AssignedID(p.Client.ID)
		if p.ClientSecret != "" {
			out.ClientSecret = AssignedSecret(p.ClientSecret)
		}
	}
	id, secret := cmp.Or(out.ClientID, p.Client.ID), cmp.Or(out.ClientSecret, p.ClientSecret)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.clients == nil {
		u.clients = map[string]upstreamClient{}
	}
	if _, ok := u.clients[id]; ok {
		return sdk.Provisioned{}, fmt.Errorf("client %q: %w", id, sdk.ErrAlreadyExists)
	}
	p.Client.ID = id
	u.clients[id] = upstreamClient{p: p, secret: secret, created: p.Client.IssuedAt}
	return out, nil
}

// Update implements sdk.Upstream: an empty secret keeps the stored one
// unless the client no longer has one.
func (u *Upstream) Update(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	u.log("update", p)
	if err := upstreamFail(ctx, p.Client.Metadata.ClientName); err != nil {
		return sdk.Provisioned{}, err
	}
	var out sdk.Provisioned
	if config().Upstream == "assign" && p.ClientSecret != "" {
		out.ClientSecret = AssignedSecret(p.ClientSecret)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	old, ok := u.clients[p.Client.ID]
	if !ok {
		return sdk.Provisioned{}, fmt.Errorf("client %q: %w", p.Client.ID, sdk.ErrNotFound)
	}
	secret := cmp.Or(out.ClientSecret, p.ClientSecret)
	switch {
	case !p.Client.HasSecret():
		secret = ""
	case secret == "":
		secret = old.secret
	}
	u.clients[p.Client.ID] = upstreamClient{p: p, secret: secret, created: old.created}
	return out, nil
}

// Delete implements sdk.Upstream.
func (u *Upstream) Delete(ctx context.Context, clientID string) error {
	u.log("delete", clientID)
	u.mu.Lock()
	c, ok := u.clients[clientID]
	u.mu.Unlock()
	if err := upstreamFail(ctx, c.p.Client.Metadata.ClientName); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("client %q: %w", clientID, sdk.ErrNotFound)
	}
	u.mu.Lock()
	delete(u.clients, clientID)
	u.mu.Unlock()
	return nil
}

// List implements sdk.Upstream. The page token is the index of the first
// client of the page.
func (u *Upstream) List(ctx context.Context, pageToken string) (sdk.UpstreamPage, error) {
	if err := upstreamFail(ctx, ""); err != nil {
		return sdk.UpstreamPage{}, err
	}
	start := 0
	if pageToken != "" {
		if _, err := fmt.Sscanf(pageToken, "%d", &start); err != nil || start < 0 {
			return sdk.UpstreamPage{}, sdk.ErrInvalidRequest().WithDescription("page_token: not a token of this upstream")
		}
	}
	u.mu.Lock()
	ids := slices.Sorted(maps.Keys(u.clients))
	var page sdk.UpstreamPage
	for i := start; i < len(ids) && i < start+UpstreamPageSize; i++ {
		c := u.clients[ids[i]]
		page.Clients = append(page.Clients, sdk.UpstreamClient{ID: ids[i], Revision: c.p.Revision, CreatedAt: c.created})
	}
	u.mu.Unlock()
	if start+UpstreamPageSize < len(ids) {
		page.Next = fmt.Sprint(start + UpstreamPageSize)
	}
	return page, nil
}

// Health implements sdk.Upstream.
func (u *Upstream) Health(ctx context.Context) error { return upstreamFail(ctx, "") }

// Secret returns the secret the upstream holds for a client, and whether
// it holds the client; for in-process tests.
func (u *Upstream) Secret(clientID string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	c, ok := u.clients[clientID]
	return c.secret, ok
}

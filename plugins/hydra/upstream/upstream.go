package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
)

var _ sdk.Upstream = (*Upstream)(nil)

const (
	// maxBody bounds every answer read from Hydra: a page of listPageSize
	// clients of the largest registration bodies (64 KiB by default, with
	// Hydra's own members on top) fits.
	maxBody = 4 << 20
	// listPageSize is the page_size of List (Hydra allows 1 to 1000).
	listPageSize = 25
)

// Upstream provisions clients into Ory Hydra's admin API. The zero value is
// not usable: build it with New and configure it (Configure, the plugin's
// configure function) or with Open. Until it is configured every call
// fails with sdk.ErrUnavailable. It is safe for concurrent use.
type Upstream struct {
	log hclog.Logger

	mu   sync.RWMutex
	conn *conn
}

// conn is one configuration: the admin API's base and an HTTP client.
type conn struct {
	cfg      Config
	client   *http.Client
	clients  string // AdminURL + "/admin/clients"
	pageSize int
}

// New returns an Upstream that logs to logger (nil: no logging) and waits
// for its configuration.
func New(logger hclog.Logger) *Upstream {
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Upstream{log: logger}
}

// Open returns an Upstream configured with cfg; it does not call Hydra
// (Health does).
func Open(cfg Config, logger hclog.Logger) (*Upstream, error) {
	u := New(logger)
	if err := u.apply(cfg); err != nil {
		return nil, err
	}
	return u, nil
}

// Configure is the plugin's configure function, which plugin.WithConfig
// hands the decoded config block: it checks the settings (Settings.Config)
// and replaces the previous configuration, if any. A rejected attribute is
// a *sdk.ConfigError. It does not call Hydra, so that Registrar starts while
// Hydra is still starting; Health reports whether Hydra answers.
func (u *Upstream) Configure(_ context.Context, st Settings) error {
	cfg, err := st.Config()
	if err != nil {
		return err
	}
	return u.apply(cfg)
}

func (u *Upstream) apply(cfg Config) error {
	cfg = cfg.withDefaults()
	if cfg.AdminURL == nil {
		return errors.New("hydra: no admin URL")
	}
	tr := &http.Transport{
		Proxy:                 nil, // the admin API is reached directly
		TLSClientConfig:       cfg.tlsConfig(),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	c := &conn{
		cfg: cfg,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.Timeout,
			// A redirect is never followed: it would send the admin token
			// and the client secret elsewhere.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		clients:  cfg.AdminURL.String() + "/admin/clients",
		pageSize: listPageSize,
	}
	u.mu.Lock()
	old := u.conn
	u.conn = c
	u.mu.Unlock()
	if old != nil {
		old.client.CloseIdleConnections()
	}
	u.log.Info("hydra upstream configured", "admin_url", cfg.AdminURL.String(), "owner", cfg.Owner,
		"admin_token", cfg.AdminToken.String() != "", "custom_ca", cfg.RootCAs != nil, "timeout", cfg.Timeout)
	return nil
}

func (u *Upstream) current() (*conn, error) {
	u.mu.RLock()
	defer u.mu.RUnlock()
	if u.conn == nil {
		return nil, fmt.Errorf("hydra: not configured: %w", sdk.ErrUnavailable)
	}
	return u.conn, nil
}

// Create creates the Hydra client p.Client.ID (Hydra accepts the client_id
// Registrar chose, so Provisioned is empty) with the plaintext secret
// p.ClientSecret, which Hydra hashes. A client without a secret
// (token_endpoint_auth_method none or private_key_jwt) gets a random
// secret nobody learns. Errors: an *sdk.Error (invalid_client_metadata,
// invalid_redirect_uri) when Hydra cannot hold or refuses the client;
// sdk.ErrAlreadyExists when Hydra has a client with that id;
// sdk.ErrUnavailable when Hydra cannot answer.
func (u *Upstream) Create(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	c, err := u.current()
	if err != nil {
		return sdk.Provisioned{}, err
	}
	h, err := c.body(p)
	if err != nil {
		return sdk.Provisioned{}, err
	}
	if p.Client.HasSecret() {
		if p.ClientSecret == "" {
			return sdk.Provisioned{}, fmt.Errorf("hydra: create %q: the client has a secret but the provision carries none", p.Client.ID)
		}
		h.ClientSecret = p.ClientSecret
	} else if h.ClientSecret, err = throwaway(); err != nil {
		return sdk.Provisioned{}, err
	}
	_, err = c.do(ctx, "create", http.MethodPost, c.clients, h, h.ClientSecret, http.StatusCreated, nil)
	if err != nil {
		u.logRefusal("create", p.Client.ID, err)
		return sdk.Provisioned{}, err
	}
	return sdk.Provisioned{}, nil
}

// Update replaces the Hydra client p.Client.ID with p (RFC 7592 §2.2) with
// PUT /admin/clients/{id}. With p.ClientSecret set, that is the new secret
// and the old one stops working; with it empty, Hydra keeps its current
// (hashed) secret, which PUT does when the body has no client_secret; a
// client that no longer has a secret gets a random one nobody learns. The
// client must carry this Registrar's marker: one that does not, or that
// Hydra does not have, is sdk.ErrNotFound. Other errors as Create.
func (u *Upstream) Update(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	c, err := u.current()
	if err != nil {
		return sdk.Provisioned{}, err
	}
	h, err := c.body(p)
	if err != nil {
		return sdk.Provisioned{}, err
	}
	switch {
	case !p.Client.HasSecret():
		if h.ClientSecret, err = throwaway(); err != nil {
			return sdk.Provisioned{}, err
		}
	case p.ClientSecret != "":
		h.ClientSecret = p.ClientSecret
	}
	m, err := c.checkOurs(ctx, "update", p.Client.ID)
	if err != nil {
		return sdk.Provisioned{}, err
	}
	if p.ClientSecret == "" && p.Revision > 0 && m.Revision >= p.Revision {
		// Hydra already holds this revision or a later one (an update
		// sent again, or one overtaken by the next): writing it would
		// put older metadata back. A write that carries a new secret is
		// made whatever its revision, since the secret must reach Hydra.
		return sdk.Provisioned{}, nil
	}
	_, err = c.do(ctx, "update", http.MethodPut, c.clientURL(p.Client.ID), h, h.ClientSecret, http.StatusOK, nil)
	if err != nil {
		u.logRefusal("update", p.Client.ID, err)
		return sdk.Provisioned{}, err
	}
	return sdk.Provisioned{}, nil
}

// Delete deletes the Hydra client clientID, after which Hydra refuses its
// credentials and tokens issued to it. sdk.ErrNotFound when Hydra has no
// such client or it does not carry this Registrar's marker (it is then
// left alone); sdk.ErrUnavailable when Hydra cannot answer.
func (u *Upstream) Delete(ctx context.Context, clientID string) error {
	c, err := u.current()
	if err != nil {
		return err
	}
	if _, err := c.checkOurs(ctx, "delete", clientID); err != nil {
		return err
	}
	_, err = c.do(ctx, "delete", http.MethodDelete, c.clientURL(clientID), nil, "", http.StatusNoContent, nil)
	return err
}

// List returns one page of the clients this Registrar provisioned: those
// Hydra keeps under the configured owner (GET /admin/clients?owner=, which
// Hydra filters) that also carry this owner's marker, with the revision of
// the marker and Hydra's created_at. pageToken is Hydra's page_token, ""
// for the first page; Next is "" on the last page. Hydra pages by offset in
// the order of client_id, so a client created or deleted while a listing
// runs may shift a page: reconciliation lists again on its next run.
func (u *Upstream) List(ctx context.Context, pageToken string) (sdk.UpstreamPage, error) {
	c, err := u.current()
	if err != nil {
		return sdk.UpstreamPage{}, err
	}
	q := url.Values{}
	q.Set("owner", c.cfg.Owner)
	q.Set("page_size", strconv.Itoa(c.pageSize))
	if pageToken != "" {
		q.Set("page_token", pageToken)
	}
	var items []hydraClient
	hdr, err := c.do(ctx, "list", http.MethodGet, c.clients+"?"+q.Encode(), nil, "", http.StatusOK, &items)
	if err != nil {
		return sdk.UpstreamPage{}, err
	}
	page := sdk.UpstreamPage{Clients: []sdk.UpstreamClient{}}
	for _, h := range items {
		m, ok := c.markerOf(h)
		if !ok {
			continue
		}
		uc := sdk.UpstreamClient{ID: h.ClientID, Revision: m.Revision}
		if !h.CreatedAt.IsZero() {
			uc.CreatedAt = h.CreatedAt.Unix()
		}
		page.Clients = append(page.Clients, uc)
	}
	// Hydra's Link counts every client, not only the owner's: a page
	// shorter than page_size is the owner's last.
	if len(items) == c.pageSize {
		page.Next = nextPageToken(hdr.Values("Link"))
	}
	return page, nil
}

// Health returns nil when Hydra's admin API answers a listing of this
// owner's clients (one client, through the same URL, token and CA as every
// write), and an error matching sdk.ErrUnavailable otherwise.
func (u *Upstream) Health(ctx context.Context) error {
	c, err := u.current()
	if err != nil {
		return err
	}
	q := url.Values{"owner": {c.cfg.Owner}, "page_size": {"1"}}
	var items []json.RawMessage
	_, err = c.do(ctx, "health", http.MethodGet, c.clients+"?"+q.Encode(), nil, "", http.StatusOK, &items)
	return err
}

// logRefusal logs why Hydra refused a client (the cause of the *sdk.Error,
// which never crosses the wire to the host). It holds no secret: the
// request body is never logged and the secret is cut out of Hydra's answer.
func (u *Upstream) logRefusal(op, id string, err error) {
	if e, ok := sdk.AsError(err); ok && e.Unwrap() != nil {
		u.log.Warn("hydra refused the client", "op", op, "client_id", id, "error", e.Error(), "hydra", e.Unwrap().Error())
	}
}

// body checks that Hydra can serve p's client and returns its Hydra form.
func (c *conn) body(p sdk.Provision) (hydraClient, error) {
	if p.Client.ID == "" {
		return hydraClient{}, errors.New("hydra: a provision without a client_id")
	}
	if e := unsupported(p.Client.Metadata); e != nil {
		return hydraClient{}, e
	}
	return toHydra(p, c.cfg.Owner)
}

func (c *conn) clientURL(id string) string { return c.clients + "/" + url.PathEscape(id) }

// markerOf returns the marker of h when h is this owner's.
func (c *conn) markerOf(h hydraClient) (marker, bool) {
	if h.Owner != c.cfg.Owner {
		return marker{}, false
	}
	var doc markerDoc
	if err := json.Unmarshal(h.Metadata, &doc); err != nil || doc.Registrar == nil || doc.Registrar.Owner != c.cfg.Owner {
		return marker{}, false
	}
	return *doc.Registrar, true
}

// checkOurs returns the marker of clientID when Hydra holds it with this
// owner's marker, sdk.ErrNotFound when it holds no such client or another's.
// Hydra has no conditional writes: a client replaced by someone else
// between this read and the write that follows is not detected.
func (c *conn) checkOurs(ctx context.Context, op, clientID string) (marker, error) {
	var h hydraClient
	if _, err := c.do(ctx, op, http.MethodGet, c.clientURL(clientID), nil, "", http.StatusOK, &h); err != nil {
		return marker{}, err
	}
	m, ok := c.markerOf(h)
	if !ok {
		return marker{}, errNotOurs(op, clientID, c.cfg.Owner)
	}
	return m, nil
}

// do sends one request to Hydra and, when the status is want, decodes the
// answer into out (when not nil). in, when not nil, is sent as JSON; secret
// is the plaintext secret it may hold, cut out of any error text. The
// answer is read up to maxBody. Transport failures and timeouts match
// sdk.ErrUnavailable; other statuses are mapped by statusError.
func (c *conn) do(ctx context.Context, op, method, target string, in any, secret string, want int, out any) (http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("hydra: %s: encode: %w", op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("hydra: %s: %w", op, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := c.cfg.AdminToken.Reveal(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, unavailable(op, scrubURLError(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, unavailable(op, err)
	}
	if len(b) > maxBody {
		return nil, unavailable(op, fmt.Errorf("%w (%d bytes)", errTooLarge, maxBody))
	}
	if resp.StatusCode != want {
		return nil, statusError(op, resp.StatusCode, b, secret)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, unavailable(op, fmt.Errorf("undecodable answer: %w", err))
		}
	}
	return resp.Header, nil
}

// scrubURLError keeps the cause of a *url.Error without its URL's query
// (page tokens, owner), which says nothing about the failure.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u := ue.URL
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return fmt.Errorf("%s %s: %w", ue.Op, u, ue.Err)
	}
	return err
}

// nextPageToken returns the page_token of the rel="next" link of Hydra's
// Link header (RFC 8288), or "".
func nextPageToken(links []string) string {
	for _, h := range links {
		for part := range strings.SplitSeq(h, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			next := false
			for p := range strings.SplitSeq(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slicesContainsFold(strings.Fields(strings.Trim(v, `"`)), "next") {
					next = true
				}
			}
			if !next {
				continue
			}
			target = strings.TrimSpace(target)
			target = strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
			lu, err := url.Parse(target)
			if err != nil {
				continue
			}
			return lu.Query().Get("page_token")
		}
	}
	return ""
}

func slicesContainsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

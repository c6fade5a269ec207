package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// tokenLen is the length of Registrar's client_id and client_secret: 32
// random bytes, base64url without padding (sdk.RandomToken).
const tokenLen = 43

// hydraClient is the body plugins/hydra sends to Hydra's POST
// /admin/clients for a registration of Body (see toHydra in
// plugins/hydra/upstream): the same members, in the same form, with the
// plugin's marker of revision 1. A test compares it with what the plugin
// sends.
type hydraClient struct {
	ClientID                string          `json:"client_id"`
	ClientSecret            string          `json:"client_secret"`
	Owner                   string          `json:"owner"`
	ClientName              string          `json:"client_name"`
	RedirectURIs            []string        `json:"redirect_uris"`
	GrantTypes              []string        `json:"grant_types"`
	ResponseTypes           []string        `json:"response_types"`
	Scope                   string          `json:"scope"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	ClientURI               string          `json:"client_uri"`
	LogoURI                 string          `json:"logo_uri"`
	PolicyURI               string          `json:"policy_uri"`
	TOSURI                  string          `json:"tos_uri"`
	Contacts                []string        `json:"contacts"`
	AllowedCORSOrigins      []string        `json:"allowed_cors_origins"`
	SkipConsent             bool            `json:"skip_consent"`
	Metadata                json.RawMessage `json:"metadata"`
}

// hydraBody returns the JSON body of the Hydra client of Body with the
// given owner, client_id and client_secret.
func hydraBody(owner, clientID, secret string) ([]byte, error) {
	meta, err := json.Marshal(map[string]any{"registrar": map[string]any{"owner": owner, "revision": 1}})
	if err != nil {
		return nil, err
	}
	return json.Marshal(hydraClient{
		ClientID:                clientID,
		ClientSecret:            secret,
		Owner:                   owner,
		ClientName:              "load test",
		RedirectURIs:            []string{"https://app.example.com/callback"},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		Scope:                   "openid profile",
		TokenEndpointAuthMethod: "client_secret_basic",
		Contacts:                []string{},
		AllowedCORSOrigins:      []string{},
		Metadata:                meta,
	})
}

// newHydraConn prepares POST <adminURL>/admin/clients of the Hydra client
// of Body, owned by owner, with a fresh client_id and client_secret for
// every call, chosen here as plugins/hydra sends Registrar's: 43
// characters of base64url from 32 random bytes each.
func newHydraConn(adminURL, owner string) (*conn, error) {
	u, err := url.Parse(adminURL)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("loadtest: admin URL %q: want http://host:port[/prefix]", adminURL)
	}
	idMark, secretMark := strings.Repeat("I", tokenLen), strings.Repeat("S", tokenLen)
	body, err := hydraBody(owner, idMark, secretMark)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s/admin/clients HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Accept: application/json\r\nContent-Length: %d\r\n\r\n", strings.TrimSuffix(u.EscapedPath(), "/"), u.Host, len(body))
	b.Write(body)
	req := b.Bytes()
	idAt, secretAt := bytes.Index(req, []byte(idMark)), bytes.Index(req, []byte(secretMark))
	if idAt < 0 || secretAt < 0 {
		return nil, fmt.Errorf("loadtest: owner %q hides the client_id or secret of the body", owner)
	}
	return &conn{addr: u.Host, req: req, next: func(req []byte) error {
		var raw [64]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return err
		}
		base64.RawURLEncoding.Encode(req[idAt:idAt+tokenLen], raw[:32])
		base64.RawURLEncoding.Encode(req[secretAt:secretAt+tokenLen], raw[32:])
		return nil
	}}, nil
}

// RunHydra measures Hydra's own create rate: POST /admin/clients at
// adminURL (its admin API, or a prefix in front of it) of the client
// plugins/hydra writes for Body, owned by owner, with a new client_id and
// client_secret chosen by the caller for each (as the plugin sends
// Registrar's), with the given concurrency until duration has passed or
// maxRequests were sent. Hydra hashes each secret (oauth2.hashers). The
// Result is in the same form as Run's, for a side by side.
func RunHydra(ctx context.Context, adminURL, owner string, concurrency int, duration time.Duration, maxRequests int) (Result, error) {
	proto, err := newHydraConn(adminURL, owner)
	if err != nil {
		return Result{}, err
	}
	return run(ctx, proto, concurrency, duration, maxRequests)
}

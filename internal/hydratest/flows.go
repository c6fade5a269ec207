package hydratest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// The OAuth flows a test plays against Hydra with a client that Registrar
// provisioned: the proof that a 201 means usable.

// noRedirects is an HTTP client on loopback that shows redirects to its
// caller instead of following them, so that a flow sees where Hydra sends
// the browser.
var noRedirects = &http.Client{
	Transport:     &http.Transport{Proxy: nil},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// TokenAnswer is the answer of Hydra's token endpoint: the status and the
// decoded JSON body (RFC 6749 §5.1 on success, §5.2 on error).
type TokenAnswer struct {
	Status int
	Body   map[string]any
}

// OK reports whether a token was issued.
func (a TokenAnswer) OK() bool {
	tok, _ := a.Body["access_token"].(string)
	return a.Status == http.StatusOK && tok != ""
}

// Error is the error code of a refused token request ("" when issued).
func (a TokenAnswer) Error() string {
	code, _ := a.Body["error"].(string)
	return code
}

// ClientCredentials asks the token endpoint for a client_credentials token
// (RFC 6749 §4.4) with client_secret_basic (§2.3.1), for scope (may be
// empty).
func (s *Server) ClientCredentials(ctx context.Context, id, secret, scope string) (TokenAnswer, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	return s.token(ctx, form, id, secret)
}

// token posts form to the token endpoint, with client_secret_basic when
// secret is set and client_id in the form otherwise.
func (s *Server) token(ctx context.Context, form url.Values, id, secret string) (TokenAnswer, error) {
	if secret == "" {
		form.Set("client_id", id)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.PublicURL+"/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return TokenAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if secret != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		return TokenAnswer{}, err
	}
	defer resp.Body.Close()
	a := TokenAnswer{Status: resp.StatusCode}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a.Body); err != nil {
		return a, fmt.Errorf("token endpoint: status %d: %w", resp.StatusCode, err)
	}
	return a, nil
}

// CodeFlow is an authorization code flow with PKCE S256 (RFC 6749 §4.1,
// RFC 7636) that AuthorizationCode plays.
type CodeFlow struct {
	ClientID    string
	RedirectURI string
	Scope       string
	// Secret authenticates the client at the token endpoint
	// (client_secret_basic); "" for a public client (client_id in the form).
	Secret string
	// Subject is the user the login app signs in; "user-1" when empty.
	Subject string
}

// AuthorizeError is Hydra refusing an authorization request: its error
// code and description, from the redirect it answered with.
type AuthorizeError struct {
	Code        string
	Description string
}

func (e *AuthorizeError) Error() string {
	return "authorization refused: " + e.Code + ": " + e.Description
}

// AuthorizationCode plays a whole code flow: the authorization request,
// the login and consent apps (through the admin API, accepting), and the
// token request with the code verifier. An authorization request Hydra
// refuses is an *AuthorizeError.
func (s *Server) AuthorizationCode(ctx context.Context, f CodeFlow) (TokenAnswer, error) {
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	state := rand.Text()
	q := url.Values{
		"client_id": {f.ClientID}, "response_type": {"code"}, "redirect_uri": {f.RedirectURI},
		"scope": {f.Scope}, "state": {state}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	back, err := s.Browse(ctx, s.PublicURL+"/oauth2/auth?"+q.Encode(), f.Subject)
	if err != nil {
		return TokenAnswer{}, err
	}
	if got := back.Query().Get("state"); got != state {
		return TokenAnswer{}, fmt.Errorf("the redirect carries state %q, want %q", got, state)
	}
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {f.RedirectURI}, "code_verifier": {verifier},
	}
	return s.token(ctx, form, f.ClientID, f.Secret)
}

// Browse plays the browser from authURL, an authorization request at
// Hydra, until Hydra sends it to the client's redirect URI, and returns
// that URI (with code and state). On the way it accepts the login (as
// subject, "user-1" when empty) and the consent (every scope and audience
// requested) through the admin API, as a login and consent app would. A
// redirect carrying an error (RFC 6749 §4.1.2.1) is an *AuthorizeError.
func (s *Server) Browse(ctx context.Context, authURL, subject string) (*url.URL, error) {
	if subject == "" {
		subject = "user-1"
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	browser := &http.Client{Transport: noRedirects.Transport, CheckRedirect: noRedirects.CheckRedirect, Jar: jar}
	next := authURL
	for range 10 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		resp, err := browser.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			return nil, fmt.Errorf("GET %s: status %d, want a redirect: %.300s", req.URL.Path, resp.StatusCode, body)
		}
		loc, err := resp.Location()
		if err != nil {
			return nil, err
		}
		q := loc.Query()
		switch {
		case q.Get("error") != "":
			return nil, &AuthorizeError{Code: q.Get("error"), Description: q.Get("error_description")}
		case q.Get("login_challenge") != "":
			next, err = s.accept(ctx, "login", q.Get("login_challenge"), map[string]any{"subject": subject})
		case q.Get("consent_challenge") != "":
			next, err = s.acceptConsent(ctx, q.Get("consent_challenge"))
		case strings.HasPrefix(loc.String(), s.PublicURL+"/"):
			next = loc.String()
		default:
			return loc, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("more than 10 redirects from %s", authURL)
}

// acceptConsent grants what the consent request asks for.
func (s *Server) acceptConsent(ctx context.Context, challenge string) (string, error) {
	var cr struct {
		RequestedScope    []string `json:"requested_scope"`
		RequestedAudience []string `json:"requested_access_token_audience"`
	}
	u := s.AdminURL + "/admin/oauth2/auth/requests/consent?consent_challenge=" + url.QueryEscape(challenge)
	if err := s.admin(ctx, http.MethodGet, u, nil, &cr); err != nil {
		return "", err
	}
	return s.accept(ctx, "consent", challenge, map[string]any{
		"grant_scope": cr.RequestedScope, "grant_access_token_audience": cr.RequestedAudience,
	})
}

// accept accepts a login or consent request and returns where Hydra sends
// the browser next.
func (s *Server) accept(ctx context.Context, kind, challenge string, body map[string]any) (string, error) {
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	u := s.AdminURL + "/admin/oauth2/auth/requests/" + kind + "/accept?" + kind + "_challenge=" + url.QueryEscape(challenge)
	if err := s.admin(ctx, http.MethodPut, u, body, &out); err != nil {
		return "", err
	}
	return out.RedirectTo, nil
}

// admin sends a JSON request to the admin API and decodes a 200 answer.
func (s *Server) admin(ctx context.Context, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := noRedirects.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: status %d: %.300s", method, req.URL.Path, resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

// Client returns the client as Hydra's admin API holds it
// (GET /admin/clients/{id}), or ok=false when Hydra has no such client.
func (s *Server) Client(ctx context.Context, id string) (c map[string]any, ok bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AdminURL+"/admin/clients/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, false, err
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&c)
		return c, err == nil, err
	case http.StatusNotFound:
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("GET /admin/clients/%s: status %d", id, resp.StatusCode)
	}
}

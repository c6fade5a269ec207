package roundtrip

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/registrar-dcr/registrar/sdk"
)

// Client drives a Registrar's registration endpoint.
type Client struct {
	// HTTP sends the requests: http.DefaultClient for a real listener,
	// HandlerClient for a handler called in-process.
	HTTP *http.Client
	// URL is the server's base URL, without a trailing slash.
	URL string
	// Token is the credential presented on create; "" for an anonymous
	// profile.
	Token string
}

// HandlerClient returns an http.Client that calls h in-process, as a fuzz
// target does to run thousands of requests a second.
func HandlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	return rec.Result(), nil
}

// answer is one HTTP answer, its body decoded when it is JSON.
type answer struct {
	status int
	raw    []byte
	obj    map[string]any
}

func (a answer) str(k string) string { s, _ := a.obj[k].(string); return s }

// do sends one request and checks what every answer must be: never a 5xx;
// Cache-Control: no-store; a body, when there is one, that is a JSON
// object in valid UTF-8 (RFC 8259 §8.1) served as application/json; an
// error answer with a string "error" (RFC 7591 §3.2.2).
func (c Client) do(method, path, token string, body []byte) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.URL+path, rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	a := answer{status: resp.StatusCode, raw: raw}
	where := fmt.Sprintf("%s %s answered %d", method, path, a.status)
	if a.status >= 500 {
		return a, fmt.Errorf("%s: %s", where, raw)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		return a, fmt.Errorf("%s with Cache-Control %q, want no-store", where, got)
	}
	if len(raw) == 0 {
		return a, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return a, fmt.Errorf("%s with Content-Type %q", where, ct)
	}
	if !utf8.Valid(raw) {
		return a, fmt.Errorf("%s with a body that is not valid UTF-8 (RFC 8259 §8.1): %q", where, clip(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a.obj); err != nil || a.obj == nil {
		return a, fmt.Errorf("%s with a body that is not a JSON object (%v): %q", where, err, clip(raw))
	}
	if a.status >= 400 && a.str("error") == "" {
		return a, fmt.Errorf("%s without an error code: %s", where, clip(raw))
	}
	if twins := caseTwins(a.obj); twins != "" {
		return a, fmt.Errorf("%s with %s: a consumer matching names case-insensitively (encoding/json) takes one for the other", where, twins)
	}
	return a, nil
}

// jwkMembers are the registered JWK member names (RFC 7517 §4, RFC 7518
// §6): a key may carry them once, in this letter case.
var jwkMembers = []string{"kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256",
	"crv", "x", "y", "n", "e", "d", "p", "q", "dp", "dq", "qi", "oth", "r", "t", "k", "priv"}

// caseTwins names a member of the answer, of its jwks or of one of its
// keys whose name equals a registered member's name (client metadata,
// "keys", a JWK member) ignoring letter case but not exactly (issue 9
// item 3); "" when there is none.
func caseTwins(obj map[string]any) string {
	top := append(sdk.KnownFields(), sdk.ReservedMembers()...)
	type level struct {
		obj   map[string]any
		names []string
	}
	levels := []level{{obj, top}}
	if jwks, ok := obj["jwks"].(map[string]any); ok {
		levels = append(levels, level{jwks, []string{"keys"}})
		if keys, ok := jwks["keys"].([]any); ok {
			for _, k := range keys {
				if m, ok := k.(map[string]any); ok {
					levels = append(levels, level{m, jwkMembers})
				}
			}
		}
	}
	for _, l := range levels {
		for name := range l.obj {
			for _, known := range l.names {
				if name != known && strings.EqualFold(name, known) {
					return fmt.Sprintf("the member %q, a twin of %q", name, known)
				}
			}
		}
	}
	return ""
}

// credential matches the credentials of an answer, which a failure message
// must not print.
var credential = regexp.MustCompile(`"(client_secret|registration_access_token)":"[^"]*"`)

// clip shortens b for a failure message and hides credentials.
func clip(b []byte) []byte {
	b = credential.ReplaceAll(b, []byte(`"$1":"<redacted>"`))
	if len(b) > 600 {
		return append(b[:600:600], "..."...)
	}
	return b
}

// Lifecycle registers body (RFC 7591 §3.1) and, when the server accepts it,
// reads the client (RFC 7592 §2.1), updates it with what the read returned
// minus the members a client must not send (RFC 7592 §2.2), reads it again,
// deletes it (RFC 7592 §2.3) and checks it is gone.
//
// When the create is refused with a well-formed 4xx it returns the
// refusal and no error. It returns an error for any 5xx, any malformed
// answer, a read that differs from the create's answer, an update of the
// read's own metadata that is refused or changes a member, or a delete
// that does not remove the client.
func (c Client) Lifecycle(body []byte) (refused *Refusal, err error) {
	created, refused, err := c.create(body)
	if created == nil {
		return refused, err
	}
	return nil, c.settle(created.id, created.token, created.answer, "create")
}

// UpdateLifecycle registers base, which the server must accept, then
// sends body as its RFC 7592 §2.2 update, with the client_id member added
// at the front of the object (a body that is not an object goes as it
// is). When the update is accepted, the client goes through the rest of
// Lifecycle: read, update with what the read returned, read, delete. A
// refused update is returned as a Refusal, after the client is deleted.
func (c Client) UpdateLifecycle(base, body []byte) (refused *Refusal, err error) {
	created, refused, err := c.create(base)
	if created == nil {
		if err == nil {
			err = fmt.Errorf("the base body %s is refused: %d %s: %s", clip(base), refused.Status, refused.Error, refused.Description)
		}
		return nil, err
	}
	path := "/connect/dcr/" + url.PathEscape(created.id)
	updated, err := c.do("PUT", path, created.token, withClientID(body, created.id))
	if err != nil {
		return nil, fmt.Errorf("update: %w", err)
	}
	switch {
	case updated.status == http.StatusOK:
		token := created.token
		if t := updated.str("registration_access_token"); t != "" {
			token = t
		}
		return nil, c.settle(created.id, token, updated, "update")
	case updated.status < 400:
		return nil, fmt.Errorf("update answered %d, want 200 or a 4xx", updated.status)
	}
	refused = &Refusal{Status: updated.status, Error: updated.str("error"), Description: updated.str("error_description")}
	// A refused update changes nothing: the client reads as created.
	read, err := c.do("GET", path, created.token, nil)
	if err != nil {
		return nil, fmt.Errorf("read after a refused update: %w", err)
	}
	if read.status != http.StatusOK {
		return nil, fmt.Errorf("read after a refused update answered %d, want 200: %s", read.status, clip(read.raw))
	}
	if d := diff(created.obj, read.obj, "client_secret", "registration_access_token"); d != nil {
		return nil, fmt.Errorf("a refused update changed %s", d)
	}
	token := created.token
	if t := read.str("registration_access_token"); t != "" {
		token = t
	}
	if del, err := c.do("DELETE", path, token, nil); err != nil || del.status != http.StatusNoContent {
		return nil, fmt.Errorf("delete after a refused update: %d %v", del.status, err)
	}
	return refused, nil
}

// withClientID adds "client_id":id at the front of a JSON object.
func withClientID(body []byte, id string) []byte {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return body
	}
	member, _ := json.Marshal(id)
	out := append([]byte(`{"client_id":`), member...)
	rest := trimmed[1:]
	if r := bytes.TrimLeft(rest, " \t\r\n"); len(r) > 0 && r[0] != '}' {
		out = append(out, ',')
	}
	return append(out, rest...)
}

// registered is a client the server accepted.
type registered struct {
	answer
	id, token string
}

// create registers body: the client, or the refusal, or an error.
func (c Client) create(body []byte) (*registered, *Refusal, error) {
	created, err := c.do("POST", "/connect/dcr", c.Token, body)
	if err != nil {
		return nil, nil, fmt.Errorf("create: %w", err)
	}
	if created.status != http.StatusCreated {
		if created.status < 400 {
			return nil, nil, fmt.Errorf("create answered %d, want 201 or a 4xx", created.status)
		}
		return nil, &Refusal{Status: created.status, Error: created.str("error"), Description: created.str("error_description")}, nil
	}
	r := &registered{answer: created, id: created.str("client_id"), token: created.str("registration_access_token")}
	if r.id == "" || r.token == "" || created.str("registration_client_uri") == "" {
		return nil, nil, fmt.Errorf("create: 201 without client_id, registration_access_token or registration_client_uri: %s", clip(created.raw))
	}
	return r, nil, nil
}

// settle checks a client whose last answer (of a create or an update) was
// last: a read returns the same; an update with what the read returned
// succeeds and changes nothing; a read returns that; a delete removes it.
func (c Client) settle(id, token string, last answer, step string) error {
	path := "/connect/dcr/" + url.PathEscape(id)
	next := func(a answer) { // rotation "on_every_use" sends a new token with each answer
		if t := a.str("registration_access_token"); t != "" {
			token = t
		}
	}

	read, err := c.do("GET", path, token, nil)
	if err != nil {
		return fmt.Errorf("read after %s: %w", step, err)
	}
	if read.status != http.StatusOK {
		return fmt.Errorf("read after %s answered %d, want 200: %s", step, read.status, clip(read.raw))
	}
	if d := diff(last.obj, read.obj, "client_secret", "registration_access_token"); d != nil {
		return fmt.Errorf("read differs from the %s's answer in %s", step, d)
	}
	next(read)

	update := map[string]any{}
	for k, v := range read.obj {
		update[k] = v
	}
	for _, k := range ServerManaged {
		if k != "client_id" {
			delete(update, k)
		}
	}
	updated, err := c.do("PUT", path, token, marshal(update))
	if err != nil {
		return fmt.Errorf("update with the read's metadata: %w", err)
	}
	if updated.status != http.StatusOK {
		return fmt.Errorf("update with the read's metadata answered %d, want 200: %s", updated.status, clip(updated.raw))
	}
	ignore := []string{"client_secret", "registration_access_token"}
	if updated.str("client_secret") != "" { // a new secret may come with a new expiry
		ignore = append(ignore, "client_secret_expires_at")
	}
	if d := diff(read.obj, updated.obj, ignore...); d != nil {
		return fmt.Errorf("update with the read's metadata changed %s", d)
	}
	next(updated)

	reread, err := c.do("GET", path, token, nil)
	if err != nil {
		return fmt.Errorf("read after update: %w", err)
	}
	if reread.status != http.StatusOK {
		return fmt.Errorf("read after update answered %d, want 200: %s", reread.status, clip(reread.raw))
	}
	if d := diff(updated.obj, reread.obj, "client_secret", "registration_access_token"); d != nil {
		return fmt.Errorf("read differs from the update's answer in %s", d)
	}
	next(reread)

	del, err := c.do("DELETE", path, token, nil)
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if del.status != http.StatusNoContent || len(del.raw) != 0 {
		return fmt.Errorf("delete answered %d %q, want 204 without a body", del.status, clip(del.raw))
	}
	gone, err := c.do("GET", path, token, nil)
	if err != nil {
		return fmt.Errorf("read after delete: %w", err)
	}
	if gone.status != http.StatusUnauthorized {
		return fmt.Errorf("read after delete answered %d, want 401", gone.status)
	}
	return nil
}

// Refusal is a create the server refused with a 4xx.
type Refusal struct {
	Status             int
	Error, Description string
}

// diff returns the names of the members that differ between a and b,
// ignoring the named ones, or nil. A member whose value is null counts as
// absent (RFC 7592 §2.2 reads null as omitted): a create keeps an unknown
// member sent as null and echoes it, an update drops it.
func diff(a, b map[string]any, ignore ...string) []string {
	var out []string
	for k, v := range a {
		if !slices.Contains(ignore, k) && !reflect.DeepEqual(v, b[k]) {
			out = append(out, fmt.Sprintf("%s (%v → %v)", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok && !slices.Contains(ignore, k) {
			out = append(out, fmt.Sprintf("%s (absent → %v)", k, v))
		}
	}
	slices.Sort(out)
	return out
}

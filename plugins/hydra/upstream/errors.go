package upstream

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode"

	"github.com/registrar-dcr/registrar/sdk"
)

// hydraError is the error body of Hydra's admin API: an RFC 6749 error
// ({"error": "invalid_client_metadata", "error_description": "..."}) for a
// refused client, or herodot's ({"error": "The request was malformed...",
// "error_description": "Unable to decode the request body: ..."}) for
// anything else.
type hydraError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// Hydra's generic descriptions of its RFC errors (client/error.go), which
// it puts before the hint that says what is wrong.
var hydraPrototypes = []string{
	"The value of one of the Client Metadata fields is invalid and the server has rejected this request. Note that an Authorization Server MAY choose to substitute a valid value for any requested parameter of a Client's Metadata.",
	"The value of one or more redirect_uris is invalid.",
	"The request is missing a required parameter, includes an unsupported parameter value (other than grant type), repeats a parameter, includes multiple credentials, utilizes more than one mechanism for authenticating the client, or is otherwise malformed.",
}

// maxHint bounds the part of Hydra's explanation a caller sees.
const maxHint = 160

// memberHints name the Registrar member a Hydra explanation is about, in
// the order they are tried (longer, more specific names first).
var memberHints = []struct{ needle, member string }{
	{"post_logout_redirect_uri", "post_logout_redirect_uris"},
	{"backchannel_logout_uri", "backchannel_logout_uri"},
	{"frontchannel_logout_uri", "frontchannel_logout_uri"},
	{"sector_identifier_uri", "sector_identifier_uri"},
	{"userinfo_signed_response_alg", "userinfo_signed_response_alg"},
	{"request_object_signing_alg", "request_object_signing_alg"},
	{"token_endpoint_auth_signing_alg", "token_endpoint_auth_signing_alg"},
	{"private key authentication", "token_endpoint_auth_signing_alg"},
	{"token_endpoint_auth_method", "token_endpoint_auth_method"},
	{"allowed_cors_origins", "allowed_cors_origins"},
	{"origin url", "allowed_cors_origins"},
	{"jwks_uri", "jwks_uri"},
	{"request_uris", "request_uris"},
	{"json web key", "jwks"},
	{"go-jose", "jwks"},
	{"jwks", "jwks"},
	{"subject type", "subject_type"},
	{"subject_type", "subject_type"},
	{"access token strategy", "access_token_type"},
	{"client_secret", "client_secret"},
	{"redirect", "redirect_uris"},
}

// goField finds the member in encoding/json's "Go struct field
// Client.client_name of type string".
var goField = regexp.MustCompile(`Client\.([a-z_]+)`)

// hydraToMember maps Hydra's member names that differ from Registrar's.
var hydraToMember = map[string]string{
	"access_token_strategy": "access_token_type",
}

// refusal maps Hydra's 400 answer to the RFC 7591 §3.2.2 error Registrar
// answers: invalid_redirect_uri for Hydra's invalid_redirect_uri, else
// invalid_client_metadata, with a description that names the member and,
// for Hydra's RFC errors, a bounded and sanitized hint of its explanation
// (never Hydra's decoder messages, which describe its internals). The
// full answer goes to the cause, for the plugin's log only. secret, when
// set, is cut out of anything quoted.
func refusal(body []byte, secret string) *sdk.Error {
	var he hydraError
	_ = json.Unmarshal(body, &he)
	e := sdk.ErrInvalidClientMetadata()
	if he.Error == sdk.CodeInvalidRedirectURI {
		e = sdk.ErrInvalidRedirectURI()
	}
	rfc := he.Error == sdk.CodeInvalidClientMetadata || he.Error == sdk.CodeInvalidRedirectURI ||
		he.Error == sdk.CodeInvalidRequest
	member := memberOf(he.Description)
	if member == "" {
		if e.Code == sdk.CodeInvalidRedirectURI {
			member = "redirect_uris"
		} else {
			member = "client metadata"
		}
	}
	desc := member + ": refused by the authorization server"
	if rfc {
		if h := hint(he.Description, secret); h != "" {
			desc += ": " + h
		}
	}
	return e.WithDescription("%s", desc).WithCause(fmt.Errorf("hydra answered 400: %s", sanitize(string(body), secret, 2048)))
}

// memberOf returns the Registrar member Hydra's explanation names, or "".
func memberOf(desc string) string {
	if m := goField.FindStringSubmatch(desc); m != nil {
		if r, ok := hydraToMember[m[1]]; ok {
			return r
		}
		return m[1]
	}
	lower := strings.ToLower(desc)
	for _, h := range memberHints {
		if strings.Contains(lower, h.needle) {
			return h.member
		}
	}
	return ""
}

// hint returns Hydra's explanation without its generic prototype text,
// sanitized and bounded to maxHint characters.
func hint(desc, secret string) string {
	for _, p := range hydraPrototypes {
		desc = strings.TrimPrefix(desc, p)
	}
	return sanitize(strings.TrimSpace(desc), secret, maxHint)
}

// sanitize keeps printable characters of s (others become a space), cuts
// out secret, and bounds the result to max runes with an ellipsis.
func sanitize(s, secret string, max int) string {
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "REDACTED")
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// errStatus is an answer of Hydra that is neither success nor a refusal of
// the client; it matches sdk.ErrUnavailable.
type errStatus struct {
	op     string
	status int
	body   string
}

func (e *errStatus) Error() string {
	return fmt.Sprintf("hydra: %s: status %d: %s", e.op, e.status, e.body)
}

func (e *errStatus) Is(target error) bool { return target == sdk.ErrUnavailable }

// statusError maps an answer of Hydra that is not a success: 404
// sdk.ErrNotFound, 409 sdk.ErrAlreadyExists, 400 the refusal of the client,
// anything else (5xx, 401 and 403 from a proxy that refuses admin_token, a
// redirect, which is never followed) sdk.ErrUnavailable.
func statusError(op string, status int, body []byte, secret string) error {
	switch {
	case status == http.StatusNotFound:
		return fmt.Errorf("hydra: %s: %w", op, sdk.ErrNotFound)
	case status == http.StatusConflict:
		return fmt.Errorf("hydra: %s: %w", op, sdk.ErrAlreadyExists)
	case status == http.StatusBadRequest:
		return refusal(body, secret)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &errStatus{op: op, status: status, body: "the admin API refused the credentials (admin_token)"}
	default:
		// Only the error code of a JSON answer: a body may echo the
		// request, and a proxy's may be anything.
		var he hydraError
		desc := fmt.Sprintf("%d bytes", len(body))
		if json.Unmarshal(body, &he) == nil && he.Error != "" {
			desc = sanitize(he.Error, secret, 120)
		}
		return &errStatus{op: op, status: status, body: desc}
	}
}

// errNotOurs is the answer to an Update or Delete of a client that does
// not carry this Registrar's marker: as far as this Registrar is
// concerned, it does not exist.
func errNotOurs(op, id, owner string) error {
	return fmt.Errorf("hydra: %s %q: the client is not one this Registrar (owner %q) provisioned: %w", op, id, owner, sdk.ErrNotFound)
}

// unavailable wraps a transport failure (connection refused, timeout, TLS)
// as sdk.ErrUnavailable.
func unavailable(op string, err error) error {
	return fmt.Errorf("hydra: %s: %w (%w)", op, sdk.ErrUnavailable, err)
}

var errTooLarge = errors.New("answer larger than the limit")

package sdk

import (
	"context"
	"strings"
)

// refreshIssuers are the grant types after which the token endpoint may
// issue a refresh token, so that the refresh_token grant makes sense.
// client_credentials is not one of them (RFC 6749 §4.4.3), nor is implicit
// (RFC 6749 §4.2.2).
var refreshIssuers = []string{
	GrantAuthorizationCode, GrantPassword, GrantJWTBearer, GrantSAML2Bearer,
	GrantDeviceCode, GrantTokenExchange, GrantCIBA,
}

// GrantTypes checks grant_types and response_types (RFC 7591 §2, §2.1;
// OpenID Connect DCR 1.0 §2) and sets both on the client.
//
// Values must be known to Registrar (KnownGrantTypes, KnownResponseTypes),
// distinct and allowed by the policy; unknown values are refused, never
// dropped. The parts of a response type may come in any order ("id_token
// code") and are stored in canonical order ("code id_token").
//
// Defaults (RFC 7591 §2): when both members are absent the client gets
// ["authorization_code"] and ["code"]. When only grant_types is sent, the
// response types follow from it ("code" for authorization_code, "token" for
// implicit, none otherwise); when only response_types is sent, the grant
// types follow from it (authorization_code for a type containing "code",
// implicit for a type containing "token" or "id_token"). Derived values must
// be allowed by the policy too. An explicit empty response_types means no
// response types; an empty grant_types is refused.
//
// Consistency (RFC 7591 §2.1, OpenID Connect DCR 1.0 §2): a response type
// containing "code" needs authorization_code; one containing "token" or
// "id_token" needs implicit (a hybrid type needs both); authorization_code
// needs a response type containing "code"; implicit needs one containing
// "token" or "id_token"; refresh_token needs a grant type that issues
// refresh tokens.
func (DefaultSteps) GrantTypes(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req, p := rc.Request, rc.Policy

	grants, err := checkGrantList(req.GrantTypes, p)
	if err != nil {
		return rc, err
	}
	if req.GrantTypes != nil && len(grants) == 0 {
		return rc, metaErr("grant_types", "must hold at least one grant type")
	}
	resps, err := checkResponseList(req.ResponseTypes, p)
	if err != nil {
		return rc, err
	}

	switch {
	case req.GrantTypes == nil && req.ResponseTypes == nil:
		grants = []string{GrantAuthorizationCode}
		resps = []string{"code"}
		if !contains(p.GrantTypes, GrantAuthorizationCode) {
			return rc, metaErr("grant_types", "%s is not allowed (it is the default when grant_types is omitted)", q(GrantAuthorizationCode))
		}
		if !responseTypeAllowed("code", p) {
			return rc, metaErr("response_types", "\"code\" is not allowed (it is the default when response_types is omitted)")
		}
	case req.ResponseTypes == nil:
		resps = []string{}
		if contains(grants, GrantAuthorizationCode) {
			resps = append(resps, "code")
		}
		if contains(grants, GrantImplicit) {
			resps = append(resps, "token")
		}
		for _, r := range resps {
			if !responseTypeAllowed(r, p) {
				return rc, metaErr("response_types", "%s is not allowed (derived from grant_types; send response_types)", q(r))
			}
		}
	case req.GrantTypes == nil:
		grants = []string{}
		if anyResponse(resps, hasCode) {
			grants = append(grants, GrantAuthorizationCode)
		}
		if anyResponse(resps, hasTokenOrIDToken) {
			grants = append(grants, GrantImplicit)
		}
		if len(grants) == 0 {
			return rc, metaErr("grant_types", "cannot be derived from response_types; send grant_types")
		}
		for _, g := range grants {
			if !contains(p.GrantTypes, g) {
				return rc, metaErr("grant_types", "%s is not allowed (derived from response_types)", q(g))
			}
		}
	}

	for _, r := range resps {
		if hasCode(r) && !contains(grants, GrantAuthorizationCode) {
			return rc, metaErr("response_types", "%s needs the authorization_code grant type", q(r))
		}
		if hasTokenOrIDToken(r) && !contains(grants, GrantImplicit) {
			return rc, metaErr("response_types", "%s needs the implicit grant type", q(r))
		}
	}
	if contains(grants, GrantAuthorizationCode) && !anyResponse(resps, hasCode) {
		return rc, metaErr("grant_types", "\"authorization_code\" needs a response type containing \"code\"")
	}
	if contains(grants, GrantImplicit) && !anyResponse(resps, hasTokenOrIDToken) {
		return rc, metaErr("grant_types", "\"implicit\" needs a response type containing \"token\" or \"id_token\"")
	}
	if contains(grants, GrantRefreshToken) {
		ok := false
		for _, g := range refreshIssuers {
			ok = ok || contains(grants, g)
		}
		if !ok {
			return rc, metaErr("grant_types", "\"refresh_token\" needs a grant type that issues refresh tokens, such as authorization_code")
		}
	}
	rc.Client.Metadata.GrantTypes = grants
	rc.Client.Metadata.ResponseTypes = resps
	return rc, nil
}

// checkGrantList checks sent grant types and returns a copy.
func checkGrantList(list []string, p Policy) ([]string, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]string, 0, len(list))
	for _, g := range list {
		if !contains(knownGrantTypes, g) {
			return nil, metaErr("grant_types", "unknown grant type %s", q(g))
		}
		if contains(out, g) {
			return nil, metaErr("grant_types", "%s is listed twice", q(g))
		}
		if !contains(p.GrantTypes, g) {
			return nil, metaErr("grant_types", "%s is not allowed", q(g))
		}
		out = append(out, g)
	}
	return out, nil
}

// checkResponseList checks sent response types and returns them in
// canonical form.
func checkResponseList(list []string, p Policy) ([]string, error) {
	if list == nil {
		return nil, nil
	}
	out := make([]string, 0, len(list))
	for _, r := range list {
		c, ok := canonicalResponseType(r)
		if !ok {
			return nil, metaErr("response_types", "unknown response type %s", q(r))
		}
		if contains(out, c) {
			return nil, metaErr("response_types", "%s is listed twice", q(r))
		}
		if !responseTypeAllowed(c, p) {
			return nil, metaErr("response_types", "%s is not allowed", q(r))
		}
		out = append(out, c)
	}
	return out, nil
}

// canonicalResponseType returns v with its space-separated parts in the
// order code, id_token, token; ok is false for an unknown or malformed
// value (empty part, repeated part, "none" combined with another).
func canonicalResponseType(v string) (string, bool) {
	if v == "none" {
		return v, true
	}
	var code, idToken, token bool
	for _, part := range strings.Split(v, " ") {
		var seen *bool
		switch part {
		case "code":
			seen = &code
		case "id_token":
			seen = &idToken
		case "token":
			seen = &token
		default:
			return "", false
		}
		if *seen {
			return "", false
		}
		*seen = true
	}
	parts := make([]string, 0, 3)
	if code {
		parts = append(parts, "code")
	}
	if idToken {
		parts = append(parts, "id_token")
	}
	if token {
		parts = append(parts, "token")
	}
	return strings.Join(parts, " "), true
}

// responseTypeAllowed compares canonical forms, so the policy may list the
// parts in any order.
func responseTypeAllowed(canonical string, p Policy) bool {
	for _, a := range p.ResponseTypes {
		if c, ok := canonicalResponseType(a); ok && c == canonical {
			return true
		}
	}
	return false
}

func responseParts(r string) []string {
	if r == "none" {
		return nil
	}
	return strings.Split(r, " ")
}

func hasCode(r string) bool { return contains(responseParts(r), "code") }

func hasTokenOrIDToken(r string) bool {
	parts := responseParts(r)
	return contains(parts, "token") || contains(parts, "id_token")
}

func anyResponse(list []string, pred func(string) bool) bool {
	for _, r := range list {
		if pred(r) {
			return true
		}
	}
	return false
}

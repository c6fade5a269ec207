package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// BearerJWT protects a profile with JWT access tokens from one
// authorization server (block bearer_jwt in authentication): the CI
// pipeline that holds a token with the registration scope.
type BearerJWT struct {
	// Issuer is the exact "iss" the token must carry: an absolute http(s)
	// URL. Its discovery document (OpenID Connect Discovery, RFC 8414)
	// names the JWKS unless JWKSURI or JWKS is set.
	Issuer string
	// JWKSURI is the authority's JWKS URL; "" to discover it.
	JWKSURI string
	// JWKS is an inline JWKS (JSON); "" to fetch it.
	JWKS string
	// Audiences accepted: the token's "aud" must hold one of them;
	// at least one.
	Audiences []string
	// RequiredScope lists the scopes, space-separated, that the token's
	// "scope" (or "scp") must hold; "" requires none.
	RequiredScope string
	// Algorithms are the JWS algorithms accepted; asymmetric only.
	Algorithms []string
	// TokenTypes are the accepted "typ" header values (e.g. "at+jwt",
	// RFC 9068); empty accepts any.
	TokenTypes []string
	// ClockSkew is the leeway for exp, nbf and iat.
	ClockSkew time.Duration
}

// SoftwareStatement is a profile's handling of software statements
// (RFC 7591 §2.3; block software_statement).
type SoftwareStatement struct {
	// Required refuses a registration without a software statement.
	Required bool
	// Strict refuses a request whose metadata differs from a value of the
	// statement, instead of letting the statement's value win.
	Strict bool
	// MaxAge is the oldest "iat" accepted; 0 means no bound.
	MaxAge time.Duration
	// RequireJTI refuses statements without "jti"; every jti is
	// remembered until the statement expires, and a replay is refused.
	RequireJTI bool
	// Issuers are the trusted issuers; at least one.
	Issuers []TrustedIssuer
}

// TrustedIssuer is an issuer of software statements and its keys
// (block issuer "URL" in software_statement).
type TrustedIssuer struct {
	// Issuer is the statement's "iss" (the block label).
	Issuer string
	// JWKSURI or JWKS (inline JSON) hold the issuer's keys; exactly one.
	JWKSURI string
	JWKS    string
	// Algorithms accepted for this issuer; asymmetric only.
	Algorithms []string
	// Audiences, when set, are the accepted "aud" values of its
	// statements.
	Audiences []string
}

// Defaults of the authentication blocks.
var (
	defaultJWTAlgorithms = []string{"RS256", "PS256", "ES256", "EdDSA"}
	asymmetricAlgs       = []string{
		"RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512",
		"EdDSA",
	}
)

const defaultClockSkew = time.Minute

var (
	bearerJWTSchema = schema([]string{
		"issuer", "jwks_uri", "jwks", "audiences", "required_scope",
		"algorithms", "token_types", "clock_skew",
	})
	softwareStatementSchema = schema([]string{"required", "strict", "max_age", "require_jti"},
		hcl.BlockHeaderSchema{Type: "issuer", LabelNames: []string{"iss"}},
	)
	trustedIssuerSchema = schema([]string{"jwks_uri", "jwks", "algorithms", "audiences"})
)

// decodeBearerJWT decodes a bearer_jwt block.
func (d *decoder) decodeBearerJWT(block *hcl.Block) (*BearerJWT, bool) {
	a := d.content(block, bearerJWTSchema).Attributes
	b := &BearerJWT{
		Algorithms: slices.Clone(defaultJWTAlgorithms),
		ClockSkew:  defaultClockSkew,
	}
	ok := true
	if st := d.str(a["issuer"], &b.Issuer); st != set {
		if st == absent {
			d.errorf(block.DefRange, "Missing issuer", "bearer_jwt: issuer is required: the exact \"iss\" of the accepted tokens.")
		}
		ok = false
	} else if problem := checkHTTPURL(b.Issuer); problem != "" {
		d.errorf(a["issuer"].Expr.Range(), "Invalid issuer", "bearer_jwt: issuer %s.", problem)
		ok = false
	}
	ok = d.keySource(a, "bearer_jwt", &b.JWKSURI, &b.JWKS) && ok
	if _, st := d.stringSet(a["audiences"], &b.Audiences, true, anyString); st != set {
		if st == absent {
			d.errorf(block.DefRange, "Missing audiences",
				"bearer_jwt: audiences is required: the \"aud\" values that name this server, so a token issued for another API is refused.")
		}
		ok = false
	}
	if d.str(a["required_scope"], &b.RequiredScope) == set {
		for _, s := range strings.Fields(b.RequiredScope) {
			if !isScopeToken(s) {
				d.errorf(a["required_scope"].Expr.Range(), "Invalid required_scope",
					"bearer_jwt: %q is not a scope token (RFC 6749 §3.3).", s)
				ok = false
			}
		}
		b.RequiredScope = strings.Join(strings.Fields(b.RequiredScope), " ")
	}
	ok = d.algorithms(a["algorithms"], &b.Algorithms) && ok
	if _, st := d.stringSet(a["token_types"], &b.TokenTypes, false, anyString); st == invalid {
		ok = false
	}
	if d.duration(a["clock_skew"], &b.ClockSkew, false, false) == invalid {
		ok = false
	}
	return b, ok
}

// decodeSoftwareStatement decodes a software_statement block.
func (d *decoder) decodeSoftwareStatement(block *hcl.Block) *SoftwareStatement {
	c := d.content(block, softwareStatementSchema)
	a := c.Attributes
	s := &SoftwareStatement{}
	d.boolean(a["required"], &s.Required)
	d.boolean(a["strict"], &s.Strict)
	d.duration(a["max_age"], &s.MaxAge, false, true)
	d.boolean(a["require_jti"], &s.RequireJTI)
	seen := map[string]hcl.Range{}
	for _, ib := range c.Blocks.OfType("issuer") {
		iss, rng := ib.Labels[0], ib.LabelRanges[0]
		if first, dup := seen[iss]; dup {
			d.errorf(rng, "Duplicate issuer", "software_statement: issuer %q was already defined at %s.", iss, first)
			continue
		}
		seen[iss] = rng
		if iss == "" {
			d.errorf(rng, "Invalid issuer", "software_statement: an issuer label must not be empty.")
			continue
		}
		ia := d.content(ib, trustedIssuerSchema).Attributes
		ti := TrustedIssuer{Issuer: iss, Algorithms: slices.Clone(defaultJWTAlgorithms)}
		ok := d.keySource(ia, fmt.Sprintf("issuer %q", iss), &ti.JWKSURI, &ti.JWKS)
		if ok && ti.JWKSURI == "" && ti.JWKS == "" {
			d.errorf(ib.DefRange, "Missing keys", "software_statement: issuer %q needs jwks_uri or jwks.", iss)
			ok = false
		}
		ok = d.algorithms(ia["algorithms"], &ti.Algorithms) && ok
		if _, st := d.stringSet(ia["audiences"], &ti.Audiences, true, anyString); st == invalid {
			ok = false
		}
		if ok {
			s.Issuers = append(s.Issuers, ti)
		}
	}
	if len(seen) == 0 {
		d.errorf(block.DefRange, "No trusted issuer",
			"software_statement: add at least one issuer \"<iss>\" { jwks_uri = \"...\" } block; statements from other issuers are refused as unapproved.")
	}
	return s
}

// keySource decodes the jwks_uri and jwks attributes, of which at most one
// may be set.
func (d *decoder) keySource(a hcl.Attributes, where string, uri, jwks *string) bool {
	ok := true
	if d.str(a["jwks_uri"], uri) == set {
		if problem := checkHTTPURL(*uri); problem != "" {
			d.errorf(a["jwks_uri"].Expr.Range(), "Invalid jwks_uri", "%s: jwks_uri %s.", where, problem)
			ok = false
		}
	}
	if d.str(a["jwks"], jwks) == set {
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal([]byte(*jwks), &set); err != nil || len(set.Keys) == 0 {
			d.errorf(a["jwks"].Expr.Range(), "Invalid jwks",
				"%s: jwks must be a JWK Set (RFC 7517 §5): a JSON object with a non-empty \"keys\" array; use file(\"keys.json\") to read one.", where)
			ok = false
		}
	}
	if *uri != "" && *jwks != "" {
		d.errorf(a["jwks"].Expr.Range(), "Conflicting keys", "%s: set jwks_uri or jwks, not both.", where)
		ok = false
	}
	return ok
}

// algorithms decodes a list of asymmetric JWS algorithms.
func (d *decoder) algorithms(attr *hcl.Attribute, dst *[]string) bool {
	_, st := d.stringSet(attr, dst, true, func(v string) (string, string) {
		switch {
		case strings.EqualFold(v, "none"):
			return "", `"none" is never allowed: it accepts unsigned tokens`
		case slices.Contains(asymmetricAlgs, v):
			return v, ""
		case strings.HasPrefix(v, "HS"):
			return "", fmt.Sprintf("%q is symmetric: a key shared with the issuer could sign statements for anyone; use an asymmetric algorithm", v)
		}
		return "", fmt.Sprintf("unknown JWS algorithm %q; known asymmetric algorithms are %s", v, quoteList(asymmetricAlgs))
	})
	return st != invalid
}

// decodeOrigins decodes cors_origins: each an origin of RFC 6454 §7,
// scheme://host[:port] with no path.
func (d *decoder) decodeOrigins(attr *hcl.Attribute, dst *[]string) {
	d.stringSet(attr, dst, false, func(v string) (string, string) {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.Contains(v, "*") {
			return "", fmt.Sprintf("%q is not an origin; write scheme://host[:port], such as \"https://inspector.example.com\" (no path, no wildcard)", v)
		}
		return strings.ToLower(u.Scheme + "://" + u.Host), ""
	})
}

// checkHTTPURL returns what is wrong with an absolute http(s) URL, or "".
func checkHTTPURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "https" && u.Scheme != "http":
		return "must be an absolute https URL"
	case u.Host == "" || u.Hostname() == "":
		return "must be an absolute https URL with a host"
	case u.User != nil:
		return "must not contain user information"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not have a fragment"
	}
	return ""
}

func anyString(v string) (string, string) {
	if v == "" {
		return "", "must not be empty"
	}
	return v, ""
}

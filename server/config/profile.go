package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/registrar-dcr/registrar/sdk"
)

// minTokenLength is the shortest initial access token accepted: 32
// characters of the b64token alphabet carry well over 128 bits when
// generated at random (openssl rand -base64 32 gives 44).
const minTokenLength = 32

var (
	// nameRE is the form of profile and token names.
	nameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	// b64tokenRE is RFC 6750 §2.1 b64token: what a Bearer token may hold.
	b64tokenRE = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)
)

// Known values of the policy lists. Anything else is refused, never
// silently dropped.
var (
	knownGrantTypes = []string{
		"authorization_code",
		"implicit",
		"refresh_token",
		"client_credentials",
		"password",
		"urn:ietf:params:oauth:grant-type:jwt-bearer",
		"urn:ietf:params:oauth:grant-type:saml2-bearer",
		"urn:ietf:params:oauth:grant-type:device_code",
		"urn:ietf:params:oauth:grant-type:token-exchange",
		"urn:openid:params:grant-type:ciba",
	}
	// responseTypeParts may be combined, space-separated, in any order;
	// "none" stands alone (OAuth 2.0 Multiple Response Type Encoding
	// Practices).
	responseTypeParts = []string{"code", "id_token", "token"}
	knownAuthMethods  = []string{
		"client_secret_basic",
		"client_secret_post",
		"client_secret_jwt",
		"private_key_jwt",
		"none",
		"tls_client_auth",
		"self_signed_tls_client_auth",
	}
	knownSigningAlgs = []string{
		"HS256", "HS384", "HS512",
		"RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512",
		"ES256", "ES384", "ES512",
		"EdDSA",
	}
)

// Defaults of the policy block.
var (
	defaultGrantTypes    = []string{"authorization_code", "refresh_token", "client_credentials"}
	defaultResponseTypes = []string{"code"}
	defaultAuthMethods   = []string{"client_secret_basic", "client_secret_post", "private_key_jwt", "none"}
	defaultScopes        = []string{"openid", "profile", "email", "offline_access"}
	defaultSigningAlgs   = []string{"RS256", "PS256", "ES256", "EdDSA"}
)

const defaultScope = "openid"

// Schemas of a profile block and of the blocks inside it.
var (
	profileSchema = schema([]string{"validators", "cors_origins", "max_clients"},
		hcl.BlockHeaderSchema{Type: "authentication"},
		hcl.BlockHeaderSchema{Type: "policy"},
		hcl.BlockHeaderSchema{Type: "software_statement"},
	)
	// authenticationSchema lists the ways into a profile. To add a kind
	// (bearer_jwt, software_statement): add its block here, decode it in
	// decodeAuthentication and count it as a way in.
	authenticationSchema = schema([]string{"anonymous", "issued_tokens"},
		hcl.BlockHeaderSchema{Type: "initial_access_token", LabelNames: []string{"name"}},
		hcl.BlockHeaderSchema{Type: "bearer_jwt"},
	)
	staticTokenSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "token", Required: true}},
	}
	policySchema = schema([]string{
		"grant_types", "response_types", "token_endpoint_auth_methods",
		"scopes", "default_scope",
		"redirect_uri_mode", "allow_http_redirects", "infer_native_application_type",
		"signing_algs", "keep_unknown_metadata",
		"max_token_lifetime", "client_secret_lifetime",
		"registration_token_rotation",
	})
)

// profiles holds what must be unique across all profiles of the file.
type profiles struct {
	names       map[string]hcl.Range // profile name → its label
	tokenNames  map[string]hcl.Range // token name → its label
	tokenValues map[string]string    // token value → token name
	anonymous   string               // name of the anonymous profile
	anonymousAt hcl.Range
	key         state  // of secrets.encryption_key
	processor   string // the processor plugin; "" for the built-in one
}

// canSeal reports whether the processor can keep a client secret the
// server can recover (client_secret_jwt, HMAC-signed OpenID Connect
// objects): only the built-in processor, and only with
// secrets.encryption_key, since the key reaches the built-in processor's
// Sealer alone. A processor plugin gets no key, so with one the policy
// allows no recoverable secret whatever the key; a plugin that can seal
// with a key of its own could be allowed by a future protocol capability.
func (ps *profiles) canSeal() bool { return ps.key == set && ps.processor == "" }

// decodeProfiles decodes every profile block, in file order. key is the
// state of secrets.encryption_key; processor is the processor plugin ("":
// the built-in processor); missing is where to report that there is no
// profile.
func (d *decoder) decodeProfiles(blocks hcl.Blocks, key state, processor string, missing hcl.Range) []Profile {
	if len(blocks) == 0 {
		d.errorf(missing, "Missing profile block",
			"At least one profile block is required: it says who may register and what.")
		return nil
	}
	ps := &profiles{
		names:       map[string]hcl.Range{},
		tokenNames:  map[string]hcl.Range{},
		tokenValues: map[string]string{},
		key:         key,
		processor:   processor,
	}
	out := make([]Profile, 0, len(blocks))
	for _, block := range blocks {
		out = append(out, d.decodeProfile(ps, block))
	}
	return out
}

func (d *decoder) decodeProfile(ps *profiles, block *hcl.Block) Profile {
	name, nameRange := block.Labels[0], block.LabelRanges[0]
	p := Profile{Name: name}
	switch first, dup := ps.names[name]; {
	case !nameRE.MatchString(name):
		d.errorf(nameRange, "Invalid profile name",
			"A profile name may hold only a-z, 0-9, \"_\" and \"-\"; got %q.", name)
	case dup:
		d.errorf(nameRange, "Duplicate profile",
			"A profile named %q was already defined at %s.", name, first)
	default:
		ps.names[name] = nameRange
	}
	c := d.content(block, profileSchema)
	blocks := c.Blocks.ByType()
	d.decodeAuthentication(ps, block, d.single(blocks["authentication"]), &p)
	d.decodePolicy(ps, d.single(blocks["policy"]), &p)
	if sb := d.single(blocks["software_statement"]); sb != nil {
		p.SoftwareStatement = d.decodeSoftwareStatement(sb)
	}
	d.decodeOrigins(c.Attributes["cors_origins"], &p.CORSOrigins)
	d.integer(c.Attributes["max_clients"], &p.MaxClients, 1, 1<<53)
	p.Validators = []string{BuiltinValidator}
	d.stringSet(c.Attributes["validators"], &p.Validators, true, func(v string) (string, string) {
		if v == BuiltinValidator {
			return v, ""
		}
		if problem := d.pluginProblem(v); problem != "" {
			return "", problem + fmt.Sprintf("; a validator is %q (the built-in one) or the name of a plugin block", BuiltinValidator)
		}
		return v, ""
	})
	return p
}

// decodeAuthentication decodes the ways into the profile and checks that
// there is at least one.
func (d *decoder) decodeAuthentication(ps *profiles, profile, block *hcl.Block, p *Profile) {
	if block == nil {
		d.errorf(profile.DefRange, "Profile has no way in",
			"Profile %q has no authentication block: add one with anonymous = true for open registration, or with an initial_access_token block.", p.Name)
		return
	}
	c := d.content(block, authenticationSchema)
	anonymous := c.Attributes["anonymous"]

	ways := 0
	unsure := false // a way in was written but is invalid

	switch d.boolean(anonymous, &p.Anonymous) {
	case invalid:
		unsure = true
	case set:
		if !p.Anonymous {
			break
		}
		ways++
		if ps.anonymous != "" {
			d.errorf(anonymous.Expr.Range(), "Two anonymous profiles",
				"Profile %q is anonymous, and so is profile %q (%s). A request without credential must select exactly one profile.",
				p.Name, ps.anonymous, ps.anonymousAt)
		} else {
			ps.anonymous, ps.anonymousAt = p.Name, anonymous.Expr.Range()
		}
	}

	switch d.boolean(c.Attributes["issued_tokens"], &p.IssuedTokens) {
	case invalid:
		unsure = true
	case set:
		if p.IssuedTokens {
			ways++
		}
	}
	if jb := d.single(c.Blocks.OfType("bearer_jwt")); jb != nil {
		ways++
		if b, ok := d.decodeBearerJWT(jb); ok {
			p.BearerJWT = b
		} else {
			unsure = true
		}
	}

	for _, tb := range c.Blocks.OfType("initial_access_token") {
		ways++
		if t, ok := d.decodeStaticToken(ps, tb); ok {
			p.InitialAccessTokens = append(p.InitialAccessTokens, t)
		}
	}

	if ways == 0 && !unsure {
		d.errorf(block.DefRange, "Profile has no way in",
			"Profile %q admits nobody: set anonymous = true for open registration, issued_tokens = true for tokens from \"registrar token create\", or add an initial_access_token or bearer_jwt block.", p.Name)
	}
}

// decodeStaticToken decodes an initial_access_token block. Its
// diagnostics never contain the token.
func (d *decoder) decodeStaticToken(ps *profiles, block *hcl.Block) (StaticToken, bool) {
	name, nameRange := block.Labels[0], block.LabelRanges[0]
	attr := d.content(block, staticTokenSchema).Attributes["token"]
	ok := true
	switch first, dup := ps.tokenNames[name]; {
	case !nameRE.MatchString(name):
		d.errorf(nameRange, "Invalid token name",
			"An initial_access_token name may hold only a-z, 0-9, \"_\" and \"-\"; got %q.", name)
		ok = false
	case dup:
		d.errorf(nameRange, "Duplicate initial_access_token",
			"An initial_access_token named %q was already defined at %s; names are unique across the file.", name, first)
		ok = false
	default:
		ps.tokenNames[name] = nameRange
	}

	v, st := d.eval(attr, cty.String, "string")
	switch {
	case st == absent && attr != nil:
		d.errorf(attr.Expr.Range(), "Invalid token", "initial_access_token %q: token must not be null.", name)
		return StaticToken{}, false
	case st != set:
		// Missing (Content reported it) or not a string.
		return StaticToken{}, false
	}
	tok := v.AsString()
	rng := attr.Expr.Range()
	switch n := len(tok); {
	case n < minTokenLength:
		d.errorf(rng, "Token too short",
			"initial_access_token %q: the token must be at least %d characters; it has %d. Generate one with: openssl rand -base64 32.", name, minTokenLength, n)
		return StaticToken{}, false
	case !b64tokenRE.MatchString(tok):
		d.errorf(rng, "Invalid token",
			"initial_access_token %q: the token may hold only letters, digits and - . _ ~ + / followed by = padding (RFC 6750 §2.1 b64token); generate one with: openssl rand -base64 32.", name)
		return StaticToken{}, false
	}
	if other, dup := ps.tokenValues[tok]; dup {
		d.errorf(rng, "Duplicate token value",
			"initial_access_token %q has the same token as initial_access_token %q; every token must be different, since the token selects the profile.", name, other)
		return StaticToken{}, false
	}
	ps.tokenValues[tok] = name
	return StaticToken{Name: name, Token: tok}, ok
}

// decodePolicy decodes the policy block (nil when absent) into p.
func (d *decoder) decodePolicy(ps *profiles, block *hcl.Block, p *Profile) {
	a := d.content(block, policySchema).Attributes
	pol := sdk.Policy{
		GrantTypes:       slices.Clone(defaultGrantTypes),
		ResponseTypes:    slices.Clone(defaultResponseTypes),
		AuthMethods:      slices.Clone(defaultAuthMethods),
		Scopes:           slices.Clone(defaultScopes),
		RedirectURIMode:  sdk.RedirectURIModeStandard,
		SigningAlgs:      slices.Clone(defaultSigningAlgs),
		SecretEncryption: ps.canSeal(),
	}
	p.Rotation = RotationOnUpdate

	d.stringSet(a["grant_types"], &pol.GrantTypes, true, func(v string) (string, string) {
		if slices.Contains(knownGrantTypes, v) {
			return v, ""
		}
		return "", fmt.Sprintf("unknown grant type %q; known grant types are %s", v, quoteList(knownGrantTypes))
	})
	d.stringSet(a["response_types"], &pol.ResponseTypes, false, checkResponseType)
	methods, mst := d.stringSet(a["token_endpoint_auth_methods"], &pol.AuthMethods, true, func(v string) (string, string) {
		if slices.Contains(knownAuthMethods, v) {
			return v, ""
		}
		return "", fmt.Sprintf("unknown token endpoint auth method %q; known methods are %s", v, quoteList(knownAuthMethods))
	})
	if mst == set && (ps.key == absent || ps.processor != "") {
		for _, m := range methods {
			switch {
			case m.value != "client_secret_jwt":
			case ps.processor != "":
				d.errorf(m.rng, "client_secret_jwt needs the built-in processor",
					"client_secret_jwt needs a client secret the server can recover, which only the built-in processor can keep (sealed with secrets.encryption_key); the processor plugin %q cannot: remove client_secret_jwt, or the processor block.", ps.processor)
			case ps.key == absent:
				d.errorf(m.rng, "client_secret_jwt needs an encryption key",
					"client_secret_jwt needs a client secret the server can recover, so secrets must be stored sealed: set secrets.encryption_key (32 random bytes, base64), or remove client_secret_jwt.")
			}
		}
	}

	_, sst := d.stringSet(a["scopes"], &pol.Scopes, false, func(v string) (string, string) {
		if isScopeToken(v) {
			return v, ""
		}
		return "", fmt.Sprintf("%q is not a scope token (RFC 6749 §3.3: printable ASCII without space, \" and \\)", v)
	})
	var ds string
	switch d.str(a["default_scope"], &ds) {
	case absent:
		if sst == absent {
			pol.DefaultScope = defaultScope
		}
	case set:
		if sst == invalid {
			break
		}
		var missing []string
		for _, s := range strings.Fields(ds) {
			if !slices.Contains(pol.Scopes, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			d.errorf(a["default_scope"].Expr.Range(), "Invalid default_scope",
				"default_scope: %s not in scopes; every scope of default_scope must be allowed by scopes.", quoteList(missing))
			break
		}
		pol.DefaultScope = strings.Join(strings.Fields(ds), " ")
	}

	d.oneOf(a["redirect_uri_mode"], &pol.RedirectURIMode, sdk.RedirectURIModeStandard, sdk.RedirectURIModeStrict)
	d.boolean(a["allow_http_redirects"], &pol.AllowHTTPRedirects)
	d.boolean(a["infer_native_application_type"], &pol.InferNativeApplicationType)
	d.stringSet(a["signing_algs"], &pol.SigningAlgs, true, func(v string) (string, string) {
		switch {
		case strings.EqualFold(v, "none"):
			return "", `"none" is never allowed: it accepts unsigned tokens`
		case slices.Contains(knownSigningAlgs, v):
			return v, ""
		}
		return "", fmt.Sprintf("unknown JWS algorithm %q; known algorithms are %s", v, quoteList(knownSigningAlgs))
	})
	d.boolean(a["keep_unknown_metadata"], &pol.KeepUnknownMetadata)

	var lifetime time.Duration
	if d.duration(a["max_token_lifetime"], &lifetime, false, true) == set {
		pol.MaxLifetime = int64(lifetime / time.Second)
	}
	d.duration(a["client_secret_lifetime"], &p.SecretLifetime, false, true)

	var rotation string
	if d.oneOf(a["registration_token_rotation"], &rotation,
		string(RotationOnUpdate), string(RotationNever), string(RotationOnEveryUse)) == set {
		p.Rotation = Rotation(rotation)
	}
	p.Policy = pol
}

// stringSet decodes a list of distinct strings into dst. check returns the
// canonical form of a value, or a problem. With nonEmpty, an empty list
// is refused. On any problem dst keeps its default.
func (d *decoder) stringSet(attr *hcl.Attribute, dst *[]string, nonEmpty bool, check func(string) (string, string)) ([]element, state) {
	elems, st := d.list(attr)
	if st != set {
		return nil, st
	}
	if nonEmpty && len(elems) == 0 {
		d.errorf(attr.Expr.Range(), "Invalid "+attr.Name, "%s must list at least one value.", attr.Name)
		return nil, invalid
	}
	seen := map[string]bool{}
	for i := range elems {
		canon, problem := check(elems[i].value)
		switch {
		case problem != "":
			d.errorf(elems[i].rng, "Invalid "+attr.Name, "%s[%d]: %s.", attr.Name, i, problem)
			st = invalid
		case seen[canon]:
			d.errorf(elems[i].rng, "Invalid "+attr.Name, "%s[%d]: %q is listed twice.", attr.Name, i, elems[i].value)
			st = invalid
		default:
			seen[canon] = true
			elems[i].value = canon
		}
	}
	if st == set {
		*dst = values(elems)
	}
	return elems, st
}

// checkResponseType accepts "none" and space-separated combinations of
// code, id_token and token, which it puts in that order.
func checkResponseType(v string) (string, string) {
	if v == "none" {
		return v, ""
	}
	parts := strings.Split(v, " ")
	seen := map[string]bool{}
	for _, part := range parts {
		if !slices.Contains(responseTypeParts, part) || seen[part] {
			return "", fmt.Sprintf("unknown response type %q; use \"none\", or %s alone or combined with single spaces, each at most once", v, quoteList(responseTypeParts))
		}
		seen[part] = true
	}
	var canon []string
	for _, part := range responseTypeParts {
		if seen[part] {
			canon = append(canon, part)
		}
	}
	return strings.Join(canon, " "), ""
}

// isScopeToken reports whether s is an RFC 6749 §3.3 scope-token.
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

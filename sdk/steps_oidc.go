package sdk

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// OpenIDConnect checks the OpenID Connect members other than
// application_type and sets them on the client:
//
//   - subject_type is "public" or "pairwise" (OpenID Connect DCR 1.0 §2);
//     sector_identifier_uri is an https URL without fragment (it is fetched
//     later, not here), required when subject_type is pairwise and the
//     redirect URIs use more than one host (OpenID Connect Core §8.1);
//   - id_token_signed_response_alg, userinfo_signed_response_alg and
//     request_object_signing_alg are allowed by the policy and never
//     "none"; an HMAC algorithm (HS256, HS384, HS512) in any of them keys
//     the MAC with the client secret (OpenID Connect Core §10.1), so it
//     needs a secret the server can recover: token_endpoint_auth_method
//     "client_secret_jwt", whose secret is stored sealed
//     (Policy.SecretEncryption), and no other method;
//   - request objects must be verifiable (OpenID Connect Core §6.1, §10.1):
//     an asymmetric request_object_signing_alg needs the client's keys in
//     jwks or jwks_uri; require_signed_request_object true without
//     request_object_signing_alg needs those keys, or client_secret_jwt
//     and an HMAC algorithm in Policy.SigningAlgs. A client that could
//     never send a request object the server can verify is refused, as
//     private_key_jwt without keys is;
//   - the *_encrypted_response_alg / request_object_encryption_alg
//     members are in KnownJWEAlgs and the matching *_enc members in
//     KnownJWEEncs, and an *_enc needs its *_alg (OpenID Connect DCR 1.0 §2);
//   - default_max_age is not negative; default_acr_values are non-blank and
//     distinct; initiate_login_uri is an https URL without fragment;
//     request_uris are distinct https URLs (a fragment is allowed, OpenID
//     Connect Core §6.2);
//   - post_logout_redirect_uris follow the rules of redirect_uris for the
//     client's application type (OpenID Connect RP-Initiated Logout 1.0 §3);
//   - frontchannel_logout_uri and backchannel_logout_uri are https URLs
//     (http when Policy.AllowHTTPRedirects) without fragment; the
//     back-channel one is never on a loopback host, since the authorization
//     server itself calls it (Back-Channel Logout 1.0 §2.2); a
//     *_logout_session_required member needs its logout URI.
//
// The boolean members are copied.
func (DefaultSteps) OpenIDConnect(_ context.Context, rc RegistrationContext) (RegistrationContext, error) {
	req, p := rc.Request, rc.Policy
	md := rc.Client.Metadata

	switch req.SubjectType {
	case "", "public", "pairwise":
	default:
		return rc, metaErr("subject_type", "unknown subject type %s (use \"public\" or \"pairwise\")", q(req.SubjectType))
	}
	md.SubjectType = req.SubjectType
	if req.SectorIdentifierURI != "" {
		if _, why := checkHTTPURL(req.SectorIdentifierURI, false, false); why != "" {
			return rc, metaErr("sector_identifier_uri", "%s", why)
		}
	}
	md.SectorIdentifierURI = req.SectorIdentifierURI
	if req.SubjectType == "pairwise" && req.SectorIdentifierURI == "" {
		redirects := md.RedirectURIs
		if redirects == nil {
			redirects = req.RedirectURIs
		}
		if n := countHosts(redirects); n > 1 {
			return rc, metaErr("sector_identifier_uri", "is required when subject_type is pairwise and the redirect URIs use %d hosts", n)
		}
	}

	signing := []struct {
		name string
		v    string
		dst  *string
	}{
		{"id_token_signed_response_alg", req.IDTokenSignedResponseAlg, &md.IDTokenSignedResponseAlg},
		{"userinfo_signed_response_alg", req.UserinfoSignedResponseAlg, &md.UserinfoSignedResponseAlg},
		{"request_object_signing_alg", req.RequestObjectSigningAlg, &md.RequestObjectSigningAlg},
	}
	recoverableSecret := clientAuthMethod(rc) == AuthClientSecretJWT && p.SecretEncryption
	for _, s := range signing {
		if s.v != "" {
			if err := checkSigningAlg(s.name, s.v, p); err != nil {
				return rc, err
			}
			if isHMACAlg(s.v) && !recoverableSecret {
				return rc, metaErr(s.name, "%s is keyed with the client secret (OpenID Connect Core §10.1), which the server can recover only for token_endpoint_auth_method \"client_secret_jwt\"; use an asymmetric algorithm", q(s.v))
			}
		}
		*s.dst = s.v
	}
	if err := checkRequestObjectVerifiable(rc, recoverableSecret); err != nil {
		return rc, err
	}

	encryption := []struct {
		algName, encName string
		alg, enc         string
		algDst, encDst   *string
	}{
		{"id_token_encrypted_response_alg", "id_token_encrypted_response_enc",
			req.IDTokenEncryptedResponseAlg, req.IDTokenEncryptedResponseEnc,
			&md.IDTokenEncryptedResponseAlg, &md.IDTokenEncryptedResponseEnc},
		{"userinfo_encrypted_response_alg", "userinfo_encrypted_response_enc",
			req.UserinfoEncryptedResponseAlg, req.UserinfoEncryptedResponseEnc,
			&md.UserinfoEncryptedResponseAlg, &md.UserinfoEncryptedResponseEnc},
		{"request_object_encryption_alg", "request_object_encryption_enc",
			req.RequestObjectEncryptionAlg, req.RequestObjectEncryptionEnc,
			&md.RequestObjectEncryptionAlg, &md.RequestObjectEncryptionEnc},
	}
	for _, e := range encryption {
		if e.alg != "" && !contains(knownJWEAlgs, e.alg) {
			return rc, metaErr(e.algName, "unknown key management algorithm %s", q(e.alg))
		}
		if e.enc != "" {
			if !contains(knownJWEEncs, e.enc) {
				return rc, metaErr(e.encName, "unknown content encryption algorithm %s", q(e.enc))
			}
			if e.alg == "" {
				return rc, metaErr(e.encName, "needs %s", e.algName)
			}
		}
		*e.algDst = e.alg
		*e.encDst = e.enc
	}

	if req.DefaultMaxAge != nil && *req.DefaultMaxAge < 0 {
		return rc, metaErr("default_max_age", "must not be negative")
	}
	md.DefaultMaxAge = clonePtr(req.DefaultMaxAge)
	md.RequireAuthTime = clonePtr(req.RequireAuthTime)
	md.RequireSignedRequestObject = clonePtr(req.RequireSignedRequestObject)

	acr, err := nonBlankDistinct("default_acr_values", req.DefaultACRValues)
	if err != nil {
		return rc, err
	}
	md.DefaultACRValues = acr

	if req.InitiateLoginURI != "" {
		if _, why := checkHTTPURL(req.InitiateLoginURI, false, false); why != "" {
			return rc, metaErr("initiate_login_uri", "%s", why)
		}
	}
	md.InitiateLoginURI = req.InitiateLoginURI

	var requestURIs []string
	for i, s := range req.RequestURIs {
		field := fmt.Sprintf("request_uris[%d]", i)
		if _, why := checkHTTPURL(s, false, true); why != "" {
			return rc, metaErr(field, "%s", why)
		}
		for j, prev := range requestURIs {
			if prev == s {
				return rc, metaErr(field, "duplicate of request_uris[%d]", j)
			}
		}
		requestURIs = append(requestURIs, s)
	}
	md.RequestURIs = requestURIs

	md.PostLogoutRedirectURIs = nil
	if len(req.PostLogoutRedirectURIs) > 0 {
		uris, field, why := checkRedirectList("post_logout_redirect_uris", req.PostLogoutRedirectURIs, redirectRules{appType: applicationType(rc)}, p)
		if why != "" {
			return rc, metaErr(field, "%s", why)
		}
		md.PostLogoutRedirectURIs = uris
	}

	if s := req.FrontchannelLogoutURI; s != "" {
		if _, why := checkHTTPURL(s, p.AllowHTTPRedirects, false); why != "" {
			return rc, metaErr("frontchannel_logout_uri", "%s", why)
		}
	}
	md.FrontchannelLogoutURI = req.FrontchannelLogoutURI
	if s := req.BackchannelLogoutURI; s != "" {
		u, why := checkHTTPURL(s, p.AllowHTTPRedirects, false)
		if why == "" && isLoopbackHost(u.Hostname()) {
			why = "must not use a loopback host"
		}
		if why != "" {
			return rc, metaErr("backchannel_logout_uri", "%s", why)
		}
	}
	md.BackchannelLogoutURI = req.BackchannelLogoutURI
	if req.FrontchannelLogoutSessionRequired != nil && req.FrontchannelLogoutURI == "" {
		return rc, metaErr("frontchannel_logout_session_required", "needs frontchannel_logout_uri")
	}
	if req.BackchannelLogoutSessionRequired != nil && req.BackchannelLogoutURI == "" {
		return rc, metaErr("backchannel_logout_session_required", "needs backchannel_logout_uri")
	}
	md.FrontchannelLogoutSessionRequired = clonePtr(req.FrontchannelLogoutSessionRequired)
	md.BackchannelLogoutSessionRequired = clonePtr(req.BackchannelLogoutSessionRequired)

	rc.Client.Metadata = md
	return rc, nil
}

// countHosts counts the distinct hosts of a list of URIs (OpenID Connect
// Core §8.1); a URI without a host, such as a private-use scheme URI,
// counts as the empty host.
func countHosts(uris []string) int {
	hosts := map[string]bool{}
	for _, s := range uris {
		h := ""
		if u, err := url.Parse(s); err == nil {
			h = strings.ToLower(u.Hostname())
		}
		hosts[h] = true
	}
	return len(hosts)
}

// checkRequestObjectVerifiable refuses a client that asks for signed
// request objects the server could never verify (OpenID Connect Core §6.1,
// §10.1; OpenID Connect DCR 1.0 §2): an asymmetric
// request_object_signing_alg without the client's public keys, or
// require_signed_request_object true with neither keys nor an HMAC
// algorithm keyed with a recoverable secret. HMAC algorithms named in
// request_object_signing_alg are checked with the other signing members.
func checkRequestObjectVerifiable(rc RegistrationContext, recoverableSecret bool) error {
	req := rc.Request
	alg := req.RequestObjectSigningAlg
	required := req.RequireSignedRequestObject != nil && *req.RequireSignedRequestObject
	if hasClientKeys(rc) {
		return nil
	}
	switch {
	case alg != "" && !isHMACAlg(alg):
		return metaErr("request_object_signing_alg", "%s needs the client's public keys in jwks or jwks_uri, or the server cannot verify its request objects", q(alg))
	case alg == "" && required && !(recoverableSecret && anyHMACAlg(rc.Policy.SigningAlgs)):
		if recoverableSecret {
			return metaErr("require_signed_request_object", "needs the client's public keys in jwks or jwks_uri, or request_object_signing_alg: the policy allows no HMAC algorithm, so the server could verify no request object")
		}
		return metaErr("require_signed_request_object", "needs the client's public keys in jwks or jwks_uri (or token_endpoint_auth_method \"client_secret_jwt\" and an HMAC request_object_signing_alg), or the server could verify no request object")
	}
	return nil
}

// clientAuthMethod is the accepted token_endpoint_auth_method, falling
// back to the request's when the AuthMethod step was replaced.
func clientAuthMethod(rc RegistrationContext) string {
	if m := rc.Client.Metadata.TokenEndpointAuthMethod; m != "" {
		return m
	}
	return rc.Request.TokenEndpointAuthMethod
}

// hasClientKeys reports whether the client registers public keys, in jwks
// or jwks_uri: the accepted ones, or the request's when the AuthMethod step
// was replaced and set no method.
func hasClientKeys(rc RegistrationContext) bool {
	md := rc.Client.Metadata
	if len(md.JWKS) > 0 || md.JWKSURI != "" {
		return true
	}
	if md.TokenEndpointAuthMethod != "" {
		return false
	}
	return len(rc.Request.JWKS) > 0 || rc.Request.JWKSURI != ""
}

func anyHMACAlg(algs []string) bool {
	for _, a := range algs {
		if isHMACAlg(a) {
			return true
		}
	}
	return false
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/registrar-dcr/registrar/sdk"
)

// Defaults of SoftwareStatementConfig.
const (
	// DefaultMaxStatementBytes bounds a software statement.
	DefaultMaxStatementBytes = 16 << 10
	// NoExpiryReplayWindow is how long a jti is remembered when the
	// statement has neither exp nor a MaxAge bound, and so never stops
	// being acceptable: for good, in practice (a bound every store can
	// represent as a date).
	NoExpiryReplayWindow = 100 * 365 * 24 * time.Hour
)

// TrustedIssuer is an issuer of software statements and its keys.
type TrustedIssuer struct {
	// Issuer is the statement's exact "iss".
	Issuer string
	// Keys are the issuer's verification keys (NewInlineKeySet or
	// NewRemoteKeySet). Required.
	Keys *KeySet
	// Algorithms is the allow-list of JWS algorithms for this issuer; nil
	// means RS256, PS256, ES256 and EdDSA. "none" and HS* are refused.
	Algorithms []string
	// Audiences, when set, are the accepted "aud" values: the statement's
	// aud must hold one, so that other JWTs the issuer signs with the same
	// keys (access tokens, ID tokens) cannot pass for statements.
	Audiences []string
}

// ReplayFunc records that the statement identified by key was used, until
// expiresAt (seconds since the epoch); it fails with an error wrapping
// sdk.ErrAlreadyExists when key is recorded with an expiresAt later than
// now. sdk.Store's MarkJTIUsed is one.
type ReplayFunc func(ctx context.Context, key string, expiresAt, now int64) error

// SoftwareStatementConfig configures a SoftwareStatementVerifier.
type SoftwareStatementConfig struct {
	// TrustedIssuers are the issuers whose statements are accepted; at
	// least one, each Issuer once.
	TrustedIssuers []TrustedIssuer
	// MaxAge is the oldest "iat" accepted; when > 0, "iat" is required.
	// 0 means no bound.
	MaxAge time.Duration
	// RequireJTI refuses statements without "jti".
	RequireJTI bool
	// Leeway is the clock skew allowed on exp, nbf, iat and MaxAge: 0
	// means DefaultLeeway, a negative value means none.
	Leeway time.Duration
	// Replay, when set, is called for every statement with a "jti" after
	// every other check passed, so a replayed statement is refused
	// (RFC 7519 §4.1.7). nil checks no replay.
	Replay ReplayFunc
	// MaxStatementBytes bounds the statement's length: 0 means
	// DefaultMaxStatementBytes.
	MaxStatementBytes int
}

// SoftwareStatementVerifier verifies software statements (RFC 7591 §2.3,
// §3.1.1): JWTs signed by a trusted issuer that assert client metadata.
// The statement's "iss" (read before verification, only to choose the
// keys) must name a trusted issuer; the signature must verify with one of
// its keys under one of its algorithms; then exp (if present), nbf, iat
// (not in the future, not older than MaxAge), jti (if required) and the
// replay check apply. As for bearer tokens, keys named by the header (jku,
// jwk, x5u, x5c) are ignored and a "crit" header is refused.
//
// A SoftwareStatementVerifier is safe for concurrent use.
type SoftwareStatementVerifier struct {
	issuers    map[string]*statementIssuer
	maxAge     time.Duration
	requireJTI bool
	leeway     time.Duration
	replay     ReplayFunc
	maxBytes   int
	unverified *jwt.Parser
}

type statementIssuer struct {
	keys      *KeySet
	algs      map[string]bool
	parser    *jwt.Parser
	audiences []string
}

// NewSoftwareStatementVerifier checks cfg and returns a verifier. Nothing
// is fetched until the first Verify.
func NewSoftwareStatementVerifier(cfg SoftwareStatementConfig) (*SoftwareStatementVerifier, error) {
	if len(cfg.TrustedIssuers) == 0 {
		return nil, errors.New("software_statement: at least one trusted issuer is required")
	}
	if cfg.MaxAge < 0 {
		return nil, errors.New("software_statement: max_age must not be negative")
	}
	if cfg.MaxStatementBytes < 0 {
		return nil, errors.New("software_statement: the maximum statement size must not be negative")
	}
	v := &SoftwareStatementVerifier{
		issuers:    map[string]*statementIssuer{},
		maxAge:     cfg.MaxAge,
		requireJTI: cfg.RequireJTI,
		leeway:     effectiveLeeway(cfg.Leeway),
		replay:     cfg.Replay,
		maxBytes:   cfg.MaxStatementBytes,
		unverified: jwt.NewParser(),
	}
	if v.maxBytes == 0 {
		v.maxBytes = DefaultMaxStatementBytes
	}
	for _, ti := range cfg.TrustedIssuers {
		where := fmt.Sprintf("software_statement: issuer %q", ti.Issuer)
		switch {
		case ti.Issuer == "":
			return nil, errors.New("software_statement: a trusted issuer must not be empty")
		case v.issuers[ti.Issuer] != nil:
			return nil, fmt.Errorf("%s: listed twice", where)
		case ti.Keys == nil:
			return nil, fmt.Errorf("%s: keys are required", where)
		}
		algs, list, err := checkAlgorithms(where, ti.Algorithms)
		if err != nil {
			return nil, err
		}
		v.issuers[ti.Issuer] = &statementIssuer{keys: ti.Keys, algs: algs, parser: newJWTParser(list), audiences: ti.Audiences}
	}
	return v, nil
}

// statementError returns a 400 invalid_software_statement answer.
func statementError(problem string) *sdk.Error {
	return sdk.ErrInvalidSoftwareStatement().WithDescription("software_statement: %s", problem)
}

// Verify verifies a software statement at now and returns its claims
// (numbers as float64, as encoding/json decodes them), which the server
// applies over the request's metadata (RFC 7591 §3.1.1: the statement's
// values take precedence).
//
// Errors are *sdk.Error:
//   - 400 unapproved_software_statement when "iss" is not a trusted
//     issuer (RFC 7591 §3.2.2);
//   - 400 invalid_software_statement for a statement that is too large or
//     malformed, has no "iss", an alg not allowed for its issuer, an
//     unknown key, a bad signature, is expired, not yet valid, issued in
//     the future, older than MaxAge (or has no "iat" when MaxAge is set),
//     lacks a required "jti", or was used before ("software_statement:
//     has been used before");
//   - 503 temporarily_unavailable, with the cause for the log, when the
//     issuer's keys cannot be fetched or are refused, or when the replay
//     store is unavailable (an error wrapping sdk.ErrUnavailable); another
//     replay store error is 500 server_error.
//
// Verify does not record the jti: Spend does, once the registration is
// about to be stored. The key is iss + "\x00" + jti, remembered until the
// statement stops being acceptable: exp plus leeway, or iat plus MaxAge
// plus leeway, whichever comes first, or for NoExpiryReplayWindow (for
// good) when the statement has neither bound.
func (v *SoftwareStatementVerifier) Verify(ctx context.Context, statement string, now time.Time) (map[string]any, error) {
	claims, err := v.Recheck(ctx, statement)
	if err != nil {
		return nil, err
	}
	if _, err := v.checkClaims(jwt.MapClaims(claims), now); err != nil {
		return nil, err
	}
	return claims, nil
}

// Recheck verifies only that statement comes from an issuer trusted now,
// signed by one of its current keys with an accepted algorithm, and
// returns its claims: what still matters for a statement accepted before,
// which an RFC 7592 update sends back (its lifetime and jti were checked,
// and spent, at registration). Errors are those of Verify.
func (v *SoftwareStatementVerifier) Recheck(ctx context.Context, statement string) (map[string]any, error) {
	if statement == "" {
		return nil, statementError("is empty")
	}
	if len(statement) > v.maxBytes {
		return nil, statementError("is too large")
	}
	// Read iss without verifying, only to pick the issuer's keys.
	pre := jwt.MapClaims{}
	if _, _, err := v.unverified.ParseUnverified(statement, pre); err != nil && errors.Is(err, jwt.ErrTokenMalformed) {
		return nil, statementError("is not a well-formed JWT")
	}
	rawIss, present := pre["iss"]
	iss, isString := rawIss.(string)
	switch {
	case !present:
		return nil, statementError("iss is required")
	case !isString:
		return nil, statementError("iss must be a string")
	case iss == "":
		return nil, statementError("iss is required")
	}
	ti := v.issuers[iss]
	if ti == nil {
		return nil, sdk.ErrUnapprovedSoftwareStatement().WithDescription("software_statement: the issuer is not trusted")
	}

	claims := jwt.MapClaims{}
	tok, err := ti.parser.ParseWithClaims(statement, claims, func(t *jwt.Token) (any, error) {
		if err := checkHeader(t, ti.algs, nil); err != nil {
			return nil, err
		}
		return keysFor(ctx, ti.keys, t)
	})
	if err != nil {
		return nil, statementParseError(tok, ti.algs, err)
	}
	if len(ti.audiences) > 0 {
		aud, err := claims.GetAudience()
		if err != nil || !anyIn(aud, ti.audiences) {
			return nil, statementError("aud is not accepted")
		}
	}
	return claims, nil
}

// Spend records the jti of a statement that Verify accepted, through the
// Replay hook, so that the statement cannot be used again (RFC 7519
// §4.1.7). The server calls it once the registration is about to be
// stored, so a registration refused for any other reason leaves the
// statement usable. A second Spend of the same statement fails with
// invalid_software_statement "has been used before"; a store outage is
// 503. Without a jti, or without a Replay hook, it does nothing.
func (v *SoftwareStatementVerifier) Spend(ctx context.Context, claims map[string]any, now time.Time) error {
	mc := jwt.MapClaims(claims)
	iss, _ := mc["iss"].(string)
	end, err := v.checkClaims(mc, now)
	if err != nil {
		return err
	}
	return v.checkReplay(ctx, iss, mc, end, now)
}

// statementParseError maps an error of jwt.Parser.ParseWithClaims.
func statementParseError(tok *jwt.Token, algs map[string]bool, err error) error {
	switch {
	case errors.Is(err, ErrKeysUnavailable), errors.Is(err, ErrInvalidKeySet):
		return sdk.ErrTemporarilyUnavailable().WithCause(err)
	case errors.Is(err, ErrKeyNotFound):
		return statementError("no key of the issuer matches its kid and alg")
	case errors.Is(err, errHeaderCrit):
		return statementError("the crit header is not supported")
	case errors.Is(err, errHeaderKid), errors.Is(err, jwt.ErrTokenMalformed):
		return statementError("is not a well-formed JWT")
	case errors.Is(err, errHeaderAlg), algRefused(tok, algs):
		return statementError("alg is not accepted for its issuer")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return statementError("signature is not valid")
	}
	return statementError("is not a well-formed JWT")
}

// checkClaims checks the time claims and jti of a statement whose
// signature is valid, and returns when its jti may be forgotten.
func (v *SoftwareStatementVerifier) checkClaims(claims jwt.MapClaims, now time.Time) (time.Time, error) {
	var end time.Time
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return end, statementError("exp must be a number")
	}
	if exp != nil {
		if now.After(exp.Add(v.leeway)) {
			return end, statementError("expired")
		}
		end = exp.Add(v.leeway)
	}
	switch checkNbfIat(claims, now, v.leeway) {
	case "nbf":
		return end, statementError("not valid yet (nbf)")
	case "iat":
		return end, statementError("iat is in the future")
	case "type":
		return end, statementError("nbf and iat must be numbers")
	}
	if v.maxAge > 0 {
		iat, _ := claims.GetIssuedAt() // the type was checked above
		if iat == nil {
			return end, statementError("iat is required")
		}
		last := iat.Add(v.maxAge + v.leeway)
		if now.After(last) {
			return end, statementError("too old (iat)")
		}
		if end.IsZero() || last.Before(end) {
			end = last
		}
	}
	if end.IsZero() {
		// Nothing ever makes the statement unacceptable: its jti must
		// be remembered for good.
		end = now.Add(NoExpiryReplayWindow)
	}
	raw, present := claims["jti"]
	jti, isString := raw.(string)
	switch {
	case present && !isString:
		return end, statementError("jti must be a string")
	case v.requireJTI && jti == "":
		return end, statementError("jti is required")
	}
	return end, nil
}

// checkReplay records the statement's jti through the Replay hook.
func (v *SoftwareStatementVerifier) checkReplay(ctx context.Context, iss string, claims jwt.MapClaims, end, now time.Time) error {
	jti, _ := claims["jti"].(string)
	if jti == "" || v.replay == nil {
		return nil
	}
	expiresAt := end.Unix()
	if !end.After(now) || expiresAt <= now.Unix() {
		expiresAt = now.Unix() + 1
	}
	err := v.replay(ctx, iss+"\x00"+jti, expiresAt, now.Unix())
	var se *sdk.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sdk.ErrAlreadyExists):
		return statementError("has been used before")
	case errors.As(err, &se):
		return se
	case errors.Is(err, sdk.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return sdk.ErrTemporarilyUnavailable().WithCause(err)
	}
	return sdk.ErrServer().WithCause(err)
}

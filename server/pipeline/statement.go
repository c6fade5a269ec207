package pipeline

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
)

// StatementVerifier verifies a software statement (RFC 7591 §2.3) and
// returns its claims; Spend records its jti once the registration is
// about to be stored, so a replay is refused (auth.SoftwareStatementVerifier
// implements it).
type StatementVerifier interface {
	Verify(ctx context.Context, statement string, now time.Time) (map[string]any, error)
	// Recheck verifies only the issuer's trust and the signature, for the
	// statement a client registered with and sends back on update.
	Recheck(ctx context.Context, statement string) (map[string]any, error)
	Spend(ctx context.Context, claims map[string]any, now time.Time) error
}

// Statements is a profile's software statement handling.
type Statements struct {
	// Verifier checks statements against the trusted issuers.
	Verifier StatementVerifier
	// Required refuses a registration without a statement.
	Required bool
	// Strict refuses request metadata that differs from a claim, instead
	// of letting the claim win.
	Strict bool
}

// verifyStatement verifies the request's software statement, if any, and
// puts its claims in rc.SoftwareStatementClaims; the validators' software
// statement step applies them over the request (RFC 7591 §2.3: the
// statement's values take precedence). spend, never nil, records the
// statement's jti: call it once nothing but the write can fail.
func (p *Pipeline) verifyStatement(ctx context.Context, prof *Profile, rc sdk.RegistrationContext) (_ sdk.RegistrationContext, spend func(context.Context) error, _ error) {
	rc, claims, fresh, err := p.statementClaims(ctx, prof, rc)
	if err != nil || !fresh {
		return rc, spendNothing, err
	}
	// Capture what Spend needs, not rc: a closure over rc would move the
	// whole context to the heap on every request.
	v, now := prof.Statements.Verifier, rc.Now
	return rc, func(ctx context.Context) error { return v.Spend(ctx, claims, now) }, nil
}

func spendNothing(context.Context) error { return nil }

// statementClaims does the work of verifyStatement; fresh is true when the
// statement was verified now (not the one stored with the client).
func (p *Pipeline) statementClaims(ctx context.Context, prof *Profile, rc sdk.RegistrationContext) (_ sdk.RegistrationContext, claims map[string]any, fresh bool, _ error) {
	st := prof.Statements
	stmt := rc.Request.SoftwareStatement
	switch {
	case stmt == "" && st != nil && st.Required:
		return rc, nil, false, sdk.ErrInvalidSoftwareStatement().WithDescription("software_statement: is required by this registration profile")
	case stmt == "":
		return rc, nil, false, nil
	case st == nil || st.Verifier == nil:
		return rc, nil, false, sdk.ErrUnapprovedSoftwareStatement().WithDescription("software_statement: software statements are not accepted by this registration profile")
	}
	if rc.Current != nil && stmt == rc.Current.Metadata.SoftwareStatement {
		// An RFC 7592 update sends back the statement the client was
		// registered with: its lifetime was checked and its jti spent
		// then, so verifying it in full would refuse it as a replay or as
		// expired. Its issuer must still be trusted and its signature
		// still verify with the issuer's current keys.
		var err error
		if claims, err = st.Verifier.Recheck(ctx, stmt); err != nil {
			return rc, nil, false, err
		}
	} else {
		var err error
		if claims, err = st.Verifier.Verify(ctx, stmt, rc.Now); err != nil {
			return rc, nil, false, err
		}
		fresh = true
	}
	if st.Strict {
		if err := mismatch(rc.Request, claims); err != nil {
			return rc, nil, false, err
		}
	}
	rc.SoftwareStatementClaims = claims
	return rc, claims, fresh, nil
}

// mismatch returns an error naming the first member (in name order) that
// the request sets to a value other than the statement's.
func mismatch(req sdk.Metadata, claims map[string]any) error {
	raw, err := json.Marshal(req)
	if err != nil {
		return err
	}
	var sent map[string]any
	if err := json.Unmarshal(raw, &sent); err != nil {
		return err
	}
	names := make([]string, 0, len(claims))
	for name := range claims {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "software_statement" {
			continue
		}
		v, ok := sent[name]
		if !ok {
			continue
		}
		// Compare as JSON values, the way both were sent.
		cb, err := json.Marshal(claims[name])
		if err != nil {
			continue
		}
		var cv any
		if json.Unmarshal(cb, &cv) != nil {
			continue
		}
		if !reflect.DeepEqual(v, cv) {
			return sdk.ErrInvalidSoftwareStatement().WithDescription("%s: differs from the value in software_statement", name)
		}
	}
	return nil
}

package convert

import (
	"fmt"
	"maps"
	"time"

	"github.com/registrar-dcr/registrar/sdk"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// ValidatorContextToProto converts what a validator may see of a
// registration context, rc.ValidatorView(): no plaintext credential, no
// hash, no sealed secret crosses the wire to a validator plugin. nil in,
// nil out.
func ValidatorContextToProto(rc *sdk.RegistrationContext) (*pb.RegistrationContext, error) {
	if rc == nil {
		return nil, nil
	}
	view := rc.ValidatorView()
	return ContextToProto(&view)
}

// ResponseContextToProto converts what the response generator may see of a
// registration context, rc.ResponseView(): the plaintext credentials it
// answers with, but no hash and no sealed secret. nil in, nil out.
func ResponseContextToProto(rc *sdk.RegistrationContext) (*pb.RegistrationContext, error) {
	if rc == nil {
		return nil, nil
	}
	view := rc.ResponseView()
	return ContextToProto(&view)
}

// ContextToProto converts a whole registration context, credentials
// included: it is what the processor receives and returns. A validator or
// a response generator gets ValidatorContextToProto or
// ResponseContextToProto instead. nil in, nil out.
func ContextToProto(rc *sdk.RegistrationContext) (*pb.RegistrationContext, error) {
	if rc == nil {
		return nil, nil
	}
	req, err := MetadataToJSON(rc.Request)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	claims, err := claimsToJSON(rc.SoftwareStatementClaims)
	if err != nil {
		return nil, fmt.Errorf("software statement claims: %w", err)
	}
	client, err := ClientToProto(&rc.Client)
	if err != nil {
		return nil, err
	}
	current, err := ClientToProto(rc.Current)
	if err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	caller, err := CallerToProto(&rc.Caller)
	if err != nil {
		return nil, err
	}
	return &pb.RegistrationContext{
		Operation:                   string(rc.Operation),
		RequestMetadataJson:         req,
		SoftwareStatementClaimsJson: claims,
		Client:                      client,
		Current:                     current,
		Caller:                      caller,
		Policy:                      PolicyToProto(&rc.Policy),
		Issued:                      CredentialsToProto(&rc.Issued),
		Items:                       cloneItems(rc.Items),
		NowUnixNano:                 timeToUnixNano(rc.Now),
	}, nil
}

// ContextFromProto converts a registration context. nil in, nil out.
func ContextFromProto(p *pb.RegistrationContext) (*sdk.RegistrationContext, error) {
	if p == nil {
		return nil, nil
	}
	req, err := MetadataFromJSON(p.GetRequestMetadataJson())
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	claims, err := claimsFromJSON(p.GetSoftwareStatementClaimsJson())
	if err != nil {
		return nil, fmt.Errorf("software statement claims: %w", err)
	}
	rc := &sdk.RegistrationContext{
		Operation:               sdk.Operation(p.GetOperation()),
		Request:                 req,
		SoftwareStatementClaims: claims,
		Items:                   cloneItems(p.GetItems()),
		Now:                     timeFromUnixNano(p.GetNowUnixNano()),
	}
	if c, err := ClientFromProto(p.GetClient()); err != nil {
		return nil, err
	} else if c != nil {
		rc.Client = *c
	}
	if rc.Current, err = ClientFromProto(p.GetCurrent()); err != nil {
		return nil, fmt.Errorf("current: %w", err)
	}
	if c, err := CallerFromProto(p.GetCaller()); err != nil {
		return nil, err
	} else if c != nil {
		rc.Caller = *c
	}
	if pol := PolicyFromProto(p.GetPolicy()); pol != nil {
		rc.Policy = *pol
	}
	if cred := CredentialsFromProto(p.GetIssued()); cred != nil {
		rc.Issued = *cred
	}
	return rc, nil
}

// ContextValueFromProto is ContextFromProto for a message that must be
// present, such as the answer of a Validate call.
func ContextValueFromProto(p *pb.RegistrationContext) (sdk.RegistrationContext, error) {
	if p == nil {
		return sdk.RegistrationContext{}, fmt.Errorf("missing registration context")
	}
	rc, err := ContextFromProto(p)
	if err != nil {
		return sdk.RegistrationContext{}, err
	}
	return *rc, nil
}

// cloneItems copies the items; empty stays nil.
func cloneItems(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// timeToUnixNano maps the zero time to 0, which UnixNano leaves undefined.
func timeToUnixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// timeFromUnixNano is the inverse of timeToUnixNano, in UTC.
func timeFromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

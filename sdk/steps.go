package sdk

import "context"

// Steps are the steps of the built-in validator, in the order Run calls
// them. Each step validates a few members of rc.Request and sets the
// accepted values on rc.Client.Metadata, or returns an *Error naming the
// member.
//
// DefaultSteps implements every step. To change one rule, embed
// DefaultSteps in a struct of your own, redefine the step, and call the
// embedded one as the base when you still want its checks:
//
//	type Policy struct{ sdk.DefaultSteps }
//
//	func (p Policy) RedirectURIs(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
//		rc, err := p.DefaultSteps.RedirectURIs(ctx, rc)
//		if err != nil {
//			return rc, err
//		}
//		// ... company rules on rc.Client.Metadata.RedirectURIs
//		return rc, nil
//	}
//
// Run(ctx, Policy{}, rc) then calls the redefined step through the
// interface and the default for every other one.
type Steps interface {
	// SoftwareStatement applies verified software statement claims
	// (RFC 7591 §2.3); they take precedence over the request's members.
	SoftwareStatement(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// ApplicationType checks application_type (OpenID Connect DCR 1.0
	// §2): "web" (default) or "native" (also the default for native-only
	// redirect URIs under Policy.InferNativeApplicationType).
	ApplicationType(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// GrantTypes checks grant_types and response_types against the policy
	// and against each other (RFC 7591 §2.1), and applies their defaults.
	GrantTypes(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// RedirectURIs checks redirect_uris (RFC 7591 §2, RFC 6749 §3.1.2,
	// RFC 8252 §7 for native clients).
	RedirectURIs(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// AuthMethod checks token_endpoint_auth_method, jwks / jwks_uri and
	// token_endpoint_auth_signing_alg.
	AuthMethod(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// Scopes checks scope against the policy and applies the default.
	Scopes(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// Names checks client_name, client_uri, logo_uri, tos_uri, policy_uri
	// (with their language-tagged forms), contacts, software_id and
	// software_version.
	Names(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// OpenIDConnect checks the remaining OpenID Connect members: subject
	// type, sector identifier, algorithms, max age, ACR values, login and
	// logout URIs, request URIs.
	OpenIDConnect(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// Extensions checks the Duende IdentityServer extension members:
	// lifetimes, refresh token usage and expiration, consent, CORS origins.
	Extensions(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
	// Unknown keeps or drops the members Registrar does not know, as the
	// policy says (RFC 7591 §2).
	Unknown(ctx context.Context, rc RegistrationContext) (RegistrationContext, error)
}

// stepTable is the one list of the built-in validator's steps, in the
// order Run calls them: Run and StepNames derive from it, and a test keeps
// it equal to the method set of Steps.
var stepTable = [...]struct {
	name string
	call func(Steps, context.Context, RegistrationContext) (RegistrationContext, error)
}{
	{"software_statement", Steps.SoftwareStatement},
	{"application_type", Steps.ApplicationType},
	{"grant_types", Steps.GrantTypes},
	{"redirect_uris", Steps.RedirectURIs},
	{"auth_method", Steps.AuthMethod},
	{"scopes", Steps.Scopes},
	{"names", Steps.Names},
	{"openid_connect", Steps.OpenIDConnect},
	{"extensions", Steps.Extensions},
	{"unknown", Steps.Unknown},
}

// StepNames returns the names of the validation steps ("software_statement",
// "application_type", ..., "unknown"), in the order Run calls them. The
// slice is a copy: changing it changes nothing else.
func StepNames() []string {
	names := make([]string, len(stepTable))
	for i, st := range stepTable {
		names[i] = st.name
	}
	return names
}

// Run calls every step of s in order, each on the result of the previous
// one, starting from an empty rc.Client.Metadata: on create and on update
// (RFC 7592 §2.2 replaces, never merges) only what the steps accept is
// kept. It stops at the first error.
func Run(ctx context.Context, s Steps, rc RegistrationContext) (RegistrationContext, error) {
	rc.Client.Metadata = Metadata{}
	for _, st := range stepTable {
		if err := ctx.Err(); err != nil {
			return rc, err
		}
		var err error
		if rc, err = st.call(s, ctx, rc); err != nil {
			return rc, err
		}
	}
	return rc, nil
}

// StepsValidator adapts Steps to the Validator interface.
type StepsValidator struct{ Steps Steps }

var _ Validator = StepsValidator{}

// Validate runs the steps with Run.
func (v StepsValidator) Validate(ctx context.Context, rc RegistrationContext) (RegistrationContext, error) {
	return Run(ctx, v.Steps, rc)
}

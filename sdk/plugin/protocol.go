package plugin

import (
	"context"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/registrar-dcr/registrar/sdk"
)

// ProtocolVersion is the version of the plugin protocol (package
// registrar.plugin.v1). The host offers it in the go-plugin handshake; a
// plugin built for another version is refused at Launch with an error that
// says so.
const ProtocolVersion = 1

// Handshake is the go-plugin handshake of Registrar plugins. The magic
// cookie only keeps a user from running a plugin binary by hand; it is not a
// security measure (the SHA-256 pin and mutual TLS are).
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "REGISTRAR_PLUGIN",
	MagicCookieValue: "26eea944bcd5df9cda1b810bd6df7db6a9f1d6f674a90e58",
}

// Kinds of extension point a plugin can serve.
const (
	KindValidator = "validator"
	KindProcessor = "processor"
	KindStore     = "store"
	KindResponse  = "response"
)

// controlKey names the Plugin service (Configure, Health, Describe) in the
// go-plugin plugin sets. Every plugin serves it.
const controlKey = "plugin"

// Names of the validation steps of sdk.Steps, for Instance.ValidateStep, in
// the order sdk.Run calls them.
const (
	StepSoftwareStatement = "software_statement"
	StepApplicationType   = "application_type"
	StepGrantTypes        = "grant_types"
	StepRedirectURIs      = "redirect_uris"
	StepAuthMethod        = "auth_method"
	StepScopes            = "scopes"
	StepNames             = "names"
	StepOpenIDConnect     = "openid_connect"
	StepExtensions        = "extensions"
	StepUnknown           = "unknown"
)

var stepNames = [...]string{
	StepSoftwareStatement, StepApplicationType, StepGrantTypes, StepRedirectURIs,
	StepAuthMethod, StepScopes, StepNames, StepOpenIDConnect, StepExtensions, StepUnknown,
}

// AllSteps returns the names of the validation steps in the order sdk.Run
// calls them.
func AllSteps() []string { return append([]string(nil), stepNames[:]...) }

type stepFunc = func(context.Context, sdk.RegistrationContext) (sdk.RegistrationContext, error)

// step returns the method of s that implements the named step, or nil.
func step(s sdk.Steps, name string) stepFunc {
	switch name {
	case StepSoftwareStatement:
		return s.SoftwareStatement
	case StepApplicationType:
		return s.ApplicationType
	case StepGrantTypes:
		return s.GrantTypes
	case StepRedirectURIs:
		return s.RedirectURIs
	case StepAuthMethod:
		return s.AuthMethod
	case StepScopes:
		return s.Scopes
	case StepNames:
		return s.Names
	case StepOpenIDConnect:
		return s.OpenIDConnect
	case StepExtensions:
		return s.Extensions
	case StepUnknown:
		return s.Unknown
	}
	return nil
}

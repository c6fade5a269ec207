package plugin

import (
	goplugin "github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the version of the plugin protocol (package
// registrar.plugin.v1). The host offers it in the go-plugin handshake; a
// plugin built for another version is refused at Launch with an error that
// says so.
const ProtocolVersion = 1

// Handshake returns the go-plugin handshake of Registrar plugins, used by
// Launch and Serve. The magic cookie only keeps a user from running a plugin
// binary by hand; it is not a security measure (the SHA-256 pin and mutual
// TLS are). It is a function, not a variable, so that no code in the
// process can change the handshake the host offers.
func Handshake() goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "REGISTRAR_PLUGIN",
		MagicCookieValue: "26eea944bcd5df9cda1b810bd6df7db6a9f1d6f674a90e58",
	}
}

// Kinds of extension point a plugin can serve.
const (
	KindValidator = "validator"
	KindProcessor = "processor"
	// KindStore serves clients (sdk.ClientStore).
	KindStore = "store"
	// KindTokenStore serves initial access tokens (sdk.TokenStore).
	KindTokenStore = "token_store"
	// KindJTIStore serves software-statement jtis (sdk.JTIStore).
	KindJTIStore = "jti_store"
	KindResponse = "response"
	// KindUpstream provisions clients into the authorization server
	// (sdk.Upstream).
	KindUpstream = "upstream"
)

// controlKey names the Plugin service (Configure, Health, Describe) in the
// go-plugin plugin sets. Every plugin serves it.
const controlKey = "plugin"

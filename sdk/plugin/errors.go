package plugin

import "errors"

// ConfigError rejects one attribute of a plugin's configuration. A plugin's
// Configure function returns it (possibly wrapped); on the host,
// Instance.Configure returns it as a *ConfigError, so the server can point at
// the attribute in its configuration file.
type ConfigError struct {
	// Attribute is the name of the rejected attribute of the plugin's config
	// block; empty when the error concerns the whole block.
	Attribute string
	// Message says what is wrong, for the operator.
	Message string
}

// Error implements error.
func (e *ConfigError) Error() string {
	if e.Attribute == "" {
		return "invalid plugin configuration: " + e.Message
	}
	return "invalid plugin configuration: " + e.Attribute + ": " + e.Message
}

// ErrNotServed is returned (wrapped) by the Instance methods that give access
// to a kind the plugin does not serve.
var ErrNotServed = errors.New("registrar plugin: kind not served by this plugin")

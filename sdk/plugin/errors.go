package plugin

import (
	"errors"

	"github.com/registrar-dcr/registrar/sdk"
)

// ConfigError rejects one attribute of a plugin's configuration; it is
// sdk.ConfigError, so that sdk.DecodeConfig (which cannot import this
// package) returns it. A plugin's Configure function returns it (possibly
// wrapped); on the host, Instance.Configure returns it as a *ConfigError,
// so the server can point at the attribute in its configuration file.
type ConfigError = sdk.ConfigError

// ErrNotServed is returned (wrapped) by the Instance methods that give access
// to a kind the plugin does not serve.
var ErrNotServed = errors.New("registrar plugin: kind not served by this plugin")

package main

import (
	"github.com/registrar-dcr/registrar/plugins/hydra/upstream"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

func main() {
	logger := plugin.DefaultLogger()
	u := upstream.New(logger.Named("hydra"))
	plugin.Serve(&plugin.ServeConfig{
		Upstream: u, // its Health (a listing of one of owner's clients) is the plugin's health
		Logger:   logger,
	}, plugin.WithConfig(u.Configure))
}

package main

import (
	"github.com/registrar-dcr/registrar/plugins/mongodb/store"
	"github.com/registrar-dcr/registrar/sdk/plugin"
)

func main() {
	logger := plugin.DefaultLogger()
	s := store.New(logger.Named("mongodb"))
	plugin.Serve(&plugin.ServeConfig{
		Store:  s, // its Health (a ping of the primary) is the plugin's health
		Logger: logger,
	}, plugin.WithConfig(s.ConfigureSettings), plugin.WithGCPercent(400))
}

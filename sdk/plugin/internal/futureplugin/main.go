// Command futureplugin announces protocol version 2 of the Registrar plugin
// protocol with the right magic cookie, so that the tests can check that a
// host speaking version 1 refuses it with a clear error.
package main

import (
	"context"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/registrar-dcr/registrar/sdk/plugin"
)

type future struct {
	goplugin.NetRPCUnsupportedPlugin
}

func (future) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error { return nil }

func (future) GRPCClient(context.Context, *goplugin.GRPCBroker, *grpc.ClientConn) (any, error) {
	return nil, nil
}

func main() {
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig:  plugin.Handshake(),
		VersionedPlugins: map[int]goplugin.PluginSet{plugin.ProtocolVersion + 1: {"plugin": future{}}},
		GRPCServer:       goplugin.DefaultGRPCServer,
	})
}

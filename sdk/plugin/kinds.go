package plugin

import (
	"context"
	"errors"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// kindPlugin is the go-plugin side of one kind (or of the Plugin service):
// on the plugin side register adds the kind's gRPC service to the server; on
// the host side client builds the sdk implementation over the connection.
type kindPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	register func(*grpc.Server)
	client   func(*grpc.ClientConn) any
}

var _ goplugin.GRPCPlugin = (*kindPlugin)(nil)

func (p *kindPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	if p.register == nil {
		return errors.New("registrar plugin: host-side plugin set used to serve")
	}
	p.register(s)
	return nil
}

func (p *kindPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	if p.client == nil {
		return nil, errors.New("registrar plugin: plugin-side plugin set used to dispense")
	}
	return p.client(c), nil
}

// hostPluginSet is the plugin set of the host: every kind, and the Plugin
// service.
func hostPluginSet() goplugin.PluginSet {
	return goplugin.PluginSet{
		controlKey:     &kindPlugin{client: newControlClient},
		KindValidator:  &kindPlugin{client: newValidatorClient},
		KindProcessor:  &kindPlugin{client: newProcessorClient},
		KindStore:      &kindPlugin{client: newStoreClient},
		KindTokenStore: &kindPlugin{client: newTokenStoreClient},
		KindJTIStore:   &kindPlugin{client: newJTIStoreClient},
		KindResponse:   &kindPlugin{client: newResponseClient},
		KindUpstream:   &kindPlugin{client: newUpstreamClient},
	}
}

package plugin

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// The host side: sdk implementations that call a plugin. Every method passes
// the caller's context to the stub and maps errors with convert.FromStatus.
// An argument that cannot be encoded, or an answer that cannot be decoded,
// is a plain error (answered as server_error).

// Interface guards.
var (
	_ sdk.Validator         = (*validatorClient)(nil)
	_ sdk.Processor         = (*processorClient)(nil)
	_ sdk.ClientStore       = (*storeClient)(nil)
	_ sdk.TokenStore        = (*tokenStoreClient)(nil)
	_ sdk.JTIStore          = (*jtiStoreClient)(nil)
	_ sdk.Store             = fullStore{}
	_ sdk.ResponseGenerator = (*responseClient)(nil)
	_ sdk.Upstream          = (*upstreamClient)(nil)
)

func encodeError(err error) error { return fmt.Errorf("registrar plugin: encode request: %w", err) }
func decodeError(err error) error { return fmt.Errorf("registrar plugin: invalid answer: %w", err) }

// controlClient calls the Plugin service.
type controlClient struct{ client pb.PluginClient }

func newControlClient(c *grpc.ClientConn) any { return &controlClient{pb.NewPluginClient(c)} }

// callContext encodes rc with encode, calls f and decodes the answer. On
// error it returns rc unchanged.
func callContext(ctx context.Context, rc sdk.RegistrationContext,
	encode func(*sdk.RegistrationContext) (*pb.RegistrationContext, error),
	f func(context.Context, *pb.RegistrationContext, ...grpc.CallOption) (*pb.RegistrationContext, error),
) (sdk.RegistrationContext, error) {
	in, err := encode(&rc)
	if err != nil {
		return rc, encodeError(err)
	}
	out, err := f(ctx, in)
	if err != nil {
		return rc, convert.FromStatus(err)
	}
	res, err := convert.ContextValueFromProto(out)
	if err != nil {
		return rc, decodeError(err)
	}
	return res, nil
}

// validatorClient is an sdk.Validator served by a plugin. It ships only
// rc.ValidatorView(): a validator plugin never receives a plaintext
// credential, a hash or a sealed secret.
type validatorClient struct{ client pb.ValidatorClient }

func newValidatorClient(c *grpc.ClientConn) any { return &validatorClient{pb.NewValidatorClient(c)} }

func (v *validatorClient) Validate(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return callContext(ctx, rc, convert.ValidatorContextToProto, v.client.Validate)
}

// processorClient is an sdk.Processor served by a plugin.
type processorClient struct{ client pb.ProcessorClient }

func newProcessorClient(c *grpc.ClientConn) any { return &processorClient{pb.NewProcessorClient(c)} }

func (p *processorClient) Process(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	return callContext(ctx, rc, convert.ContextToProto, p.client.Process)
}

// responseClient is an sdk.ResponseGenerator served by a plugin. It ships
// only rc.ResponseView(): the plaintext credentials to answer with, no hash
// and no sealed secret.
type responseClient struct{ client pb.ResponseGeneratorClient }

func newResponseClient(c *grpc.ClientConn) any {
	return &responseClient{pb.NewResponseGeneratorClient(c)}
}

func (r *responseClient) Generate(ctx context.Context, rc sdk.RegistrationContext, registrationClientURI string) (sdk.Response, error) {
	in, err := convert.ResponseContextToProto(&rc)
	if err != nil {
		return sdk.Response{}, encodeError(err)
	}
	out, err := r.client.Generate(ctx, &pb.GenerateRequest{Context: in, RegistrationClientUri: registrationClientURI})
	if err != nil {
		return sdk.Response{}, convert.FromStatus(err)
	}
	if out.GetStatus() < 100 || out.GetStatus() > 599 {
		return sdk.Response{}, decodeError(fmt.Errorf("HTTP status %d", out.GetStatus()))
	}
	return sdk.Response{Status: int(out.GetStatus()), Body: out.GetBody()}, nil
}

// storeClient is the sdk.ClientStore served by a plugin (kind "store").
// Health calls the Plugin service, whose Health includes the store's.
type storeClient struct {
	client  pb.StoreClient
	control pb.PluginClient
}

func newStoreClient(c *grpc.ClientConn) any {
	return &storeClient{client: pb.NewStoreClient(c), control: pb.NewPluginClient(c)}
}

// tokenStoreClient is the sdk.TokenStore served by a plugin (kind
// "token_store").
type tokenStoreClient struct {
	client  pb.TokenStoreClient
	control pb.PluginClient
}

func newTokenStoreClient(c *grpc.ClientConn) any {
	return &tokenStoreClient{client: pb.NewTokenStoreClient(c), control: pb.NewPluginClient(c)}
}

// jtiStoreClient is the sdk.JTIStore served by a plugin (kind "jti_store").
type jtiStoreClient struct {
	client  pb.JTIStoreClient
	control pb.PluginClient
}

func newJTIStoreClient(c *grpc.ClientConn) any {
	return &jtiStoreClient{client: pb.NewJTIStoreClient(c), control: pb.NewPluginClient(c)}
}

// fullStore is the sdk.Store of a plugin that serves the three store kinds.
type fullStore struct {
	*storeClient
	*tokenStoreClient
	*jtiStoreClient
}

// Health is the plugin's health (one call: the three parts share it).
func (s fullStore) Health(ctx context.Context) error { return s.storeClient.Health(ctx) }

// pluginHealth calls the Plugin service's Health.
func pluginHealth(ctx context.Context, control pb.PluginClient) error {
	_, err := control.Health(ctx, &pb.HealthRequest{})
	return convert.FromStatus(err)
}

// clientAnswer decodes the client record of a store answer.
func clientAnswer(p *pb.Client, err error) (sdk.Client, error) {
	if err != nil {
		return sdk.Client{}, convert.FromStatus(err)
	}
	c, err := convert.ClientValueFromProto(p)
	if err != nil {
		return sdk.Client{}, decodeError(err)
	}
	return c, nil
}

func (s *storeClient) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	in, err := convert.ClientToProto(&c)
	if err != nil {
		return sdk.Client{}, encodeError(err)
	}
	out, err := s.client.Create(ctx, &pb.CreateRequest{Client: in})
	return clientAnswer(out.GetClient(), err)
}

func (s *storeClient) Get(ctx context.Context, clientID string) (sdk.Client, error) {
	out, err := s.client.Get(ctx, &pb.GetRequest{ClientId: clientID})
	return clientAnswer(out.GetClient(), err)
}

func (s *storeClient) GetByRegistrationToken(ctx context.Context, tokenHash string) (sdk.Client, error) {
	out, err := s.client.GetByRegistrationToken(ctx, &pb.GetByRegistrationTokenRequest{TokenHash: tokenHash})
	return clientAnswer(out.GetClient(), err)
}

func (s *storeClient) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	in, err := convert.ClientToProto(&c)
	if err != nil {
		return sdk.Client{}, encodeError(err)
	}
	out, err := s.client.Update(ctx, &pb.UpdateRequest{Client: in})
	return clientAnswer(out.GetClient(), err)
}

func (s *storeClient) Delete(ctx context.Context, clientID string, revision int64) error {
	_, err := s.client.Delete(ctx, &pb.DeleteRequest{ClientId: clientID, Revision: revision})
	return convert.FromStatus(err)
}

func (s *storeClient) CountClients(ctx context.Context, profile string) (int64, error) {
	out, err := s.client.CountClients(ctx, &pb.CountClientsRequest{Profile: profile})
	if err != nil {
		return 0, convert.FromStatus(err)
	}
	return out.GetCount(), nil
}

// tokenAnswer decodes the initial access token of a store answer.
func tokenAnswer(p *pb.InitialAccessToken, err error) (sdk.InitialAccessToken, error) {
	if err != nil {
		return sdk.InitialAccessToken{}, convert.FromStatus(err)
	}
	t, err := convert.InitialAccessTokenValueFromProto(p)
	if err != nil {
		return sdk.InitialAccessToken{}, decodeError(err)
	}
	return t, nil
}

func (s *tokenStoreClient) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	out, err := s.client.CreateToken(ctx, &pb.CreateTokenRequest{Token: convert.InitialAccessTokenToProto(&t)})
	return tokenAnswer(out.GetToken(), err)
}

func (s *tokenStoreClient) GetToken(ctx context.Context, hash string) (sdk.InitialAccessToken, error) {
	out, err := s.client.GetToken(ctx, &pb.GetTokenRequest{Hash: hash})
	return tokenAnswer(out.GetToken(), err)
}

func (s *tokenStoreClient) ListTokens(ctx context.Context) ([]sdk.InitialAccessToken, error) {
	out, err := s.client.ListTokens(ctx, &pb.ListTokensRequest{})
	if err != nil {
		return nil, convert.FromStatus(err)
	}
	list, err := convert.InitialAccessTokensFromProto(out.GetTokens())
	if err != nil {
		return nil, decodeError(err)
	}
	return list, nil
}

func (s *tokenStoreClient) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (sdk.InitialAccessToken, error) {
	out, err := s.client.UpdateToken(ctx, &pb.UpdateTokenRequest{Token: convert.InitialAccessTokenToProto(&t)})
	return tokenAnswer(out.GetToken(), err)
}

func (s *jtiStoreClient) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	_, err := s.client.MarkJTIUsed(ctx, &pb.MarkJTIUsedRequest{Key: key, ExpiresAt: expiresAt, Now: now})
	return convert.FromStatus(err)
}

func (s *storeClient) Health(ctx context.Context) error { return pluginHealth(ctx, s.control) }

func (s *tokenStoreClient) Health(ctx context.Context) error { return pluginHealth(ctx, s.control) }

func (s *jtiStoreClient) Health(ctx context.Context) error { return pluginHealth(ctx, s.control) }

// upstreamClient is the sdk.Upstream served by a plugin (kind "upstream").
// The client of a Provision crosses without credentials (hashes redacted,
// no sealed secret); the client secret of the request is the one
// credential it ships. Health is the Upstream service's.
type upstreamClient struct{ client pb.UpstreamClient }

func newUpstreamClient(c *grpc.ClientConn) any { return &upstreamClient{pb.NewUpstreamClient(c)} }

// provisioned decodes the answer of a Create or Update.
func provisioned(out *pb.Provisioned, err error) (sdk.Provisioned, error) {
	if err != nil {
		return sdk.Provisioned{}, convert.FromStatus(err)
	}
	if p := convert.ProvisionedFromProto(out); p != nil {
		return *p, nil
	}
	return sdk.Provisioned{}, nil
}

func (u *upstreamClient) Create(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	in, err := convert.ProvisionToProto(&p)
	if err != nil {
		return sdk.Provisioned{}, encodeError(err)
	}
	return provisioned(u.client.Create(ctx, in))
}

func (u *upstreamClient) Update(ctx context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	in, err := convert.ProvisionToProto(&p)
	if err != nil {
		return sdk.Provisioned{}, encodeError(err)
	}
	return provisioned(u.client.Update(ctx, in))
}

func (u *upstreamClient) Delete(ctx context.Context, clientID string) error {
	_, err := u.client.Delete(ctx, &pb.UpstreamDeleteRequest{ClientId: clientID})
	return convert.FromStatus(err)
}

func (u *upstreamClient) List(ctx context.Context, pageToken string) (sdk.UpstreamPage, error) {
	out, err := u.client.List(ctx, &pb.UpstreamListRequest{PageToken: pageToken})
	if err != nil {
		return sdk.UpstreamPage{}, convert.FromStatus(err)
	}
	page, err := convert.UpstreamPageValueFromProto(out)
	if err != nil {
		return sdk.UpstreamPage{}, decodeError(err)
	}
	return page, nil
}

func (u *upstreamClient) Health(ctx context.Context) error {
	_, err := u.client.Health(ctx, &pb.HealthRequest{})
	return convert.FromStatus(err)
}

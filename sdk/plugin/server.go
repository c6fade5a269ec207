package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/sdk/internal/convert"
	pb "github.com/registrar-dcr/registrar/sdk/internal/pluginv1"
)

// The plugin side: gRPC servers that decode a request, call the author's
// implementation with the call's context, and encode its answer. Errors of
// the implementation go through convert.ToStatus; a request that cannot be
// decoded is INVALID_ARGUMENT and an answer that cannot be encoded INTERNAL
// (both plain errors on the host).

func badRequest(err error) error {
	return status.Errorf(codes.InvalidArgument, "invalid request: %v", err)
}

func badAnswer(err error) error {
	return status.Errorf(codes.Internal, "plugin answer cannot be encoded: %v", err)
}

// controlServer serves the Plugin service.
type controlServer struct {
	pb.UnimplementedPluginServer
	cfg   *ServeConfig
	kinds []string
}

func (s *controlServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	config := req.GetConfigJson()
	if len(bytes.TrimSpace(config)) == 0 {
		config = []byte("{}")
	}
	if s.cfg.Configure == nil {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(config, &m); err != nil || len(m) > 0 {
			return nil, convert.ConfigErrorToStatus("", "this plugin takes no configuration")
		}
		return &pb.ConfigureResponse{}, nil
	}
	if err := s.cfg.Configure(ctx, config); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, convert.ConfigErrorToStatus(ce.Attribute, ce.Message)
		}
		return nil, convert.ToStatus(err)
	}
	return &pb.ConfigureResponse{}, nil
}

func (s *controlServer) Health(ctx context.Context, _ *pb.HealthRequest) (*pb.HealthResponse, error) {
	if s.cfg.Health != nil {
		if err := s.cfg.Health(ctx); err != nil {
			return nil, convert.ToStatus(err)
		}
	}
	if s.cfg.Store != nil {
		if err := s.cfg.Store.Health(ctx); err != nil {
			return nil, convert.ToStatus(err)
		}
	}
	if s.cfg.Upstream != nil {
		if err := s.cfg.Upstream.Health(ctx); err != nil {
			return nil, convert.ToStatus(err)
		}
	}
	return &pb.HealthResponse{}, nil
}

func (s *controlServer) Describe(context.Context, *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	return &pb.DescribeResponse{Kinds: s.kinds}, nil
}

// serveContext runs f on a decoded registration context and encodes its
// result.
func serveContext(ctx context.Context, in *pb.RegistrationContext, f func(context.Context, sdk.RegistrationContext) (sdk.RegistrationContext, error)) (*pb.RegistrationContext, error) {
	rc, err := convert.ContextValueFromProto(in)
	if err != nil {
		return nil, badRequest(err)
	}
	out, err := f(ctx, rc)
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	p, err := convert.ContextToProto(&out)
	if err != nil {
		return nil, badAnswer(err)
	}
	return p, nil
}

// validatorServer serves the Validator service.
type validatorServer struct {
	pb.UnimplementedValidatorServer
	impl sdk.Validator
}

func (s *validatorServer) Validate(ctx context.Context, in *pb.RegistrationContext) (*pb.RegistrationContext, error) {
	return serveContext(ctx, in, s.impl.Validate)
}

// processorServer serves the Processor service.
type processorServer struct {
	pb.UnimplementedProcessorServer
	impl sdk.Processor
}

func (s *processorServer) Process(ctx context.Context, in *pb.RegistrationContext) (*pb.RegistrationContext, error) {
	return serveContext(ctx, in, s.impl.Process)
}

// responseServer serves the ResponseGenerator service.
type responseServer struct {
	pb.UnimplementedResponseGeneratorServer
	impl sdk.ResponseGenerator
}

func (s *responseServer) Generate(ctx context.Context, in *pb.GenerateRequest) (*pb.Response, error) {
	rc, err := convert.ContextValueFromProto(in.GetContext())
	if err != nil {
		return nil, badRequest(err)
	}
	resp, err := s.impl.Generate(ctx, rc, in.GetRegistrationClientUri())
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.Response{Status: int32(resp.Status), Body: resp.Body}, nil
}

// storeServer serves the Store service (clients).
type storeServer struct {
	pb.UnimplementedStoreServer
	impl sdk.ClientStore
}

// tokenStoreServer serves the TokenStore service.
type tokenStoreServer struct {
	pb.UnimplementedTokenStoreServer
	impl sdk.TokenStore
}

// jtiStoreServer serves the JTIStore service.
type jtiStoreServer struct {
	pb.UnimplementedJTIStoreServer
	impl sdk.JTIStore
}

// storeCall decodes a client, runs f on it and encodes the result.
func storeCall(ctx context.Context, in *pb.Client, f func(context.Context, sdk.Client) (sdk.Client, error)) (*pb.Client, error) {
	c, err := convert.ClientValueFromProto(in)
	if err != nil {
		return nil, badRequest(err)
	}
	out, err := f(ctx, c)
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	p, err := convert.ClientToProto(&out)
	if err != nil {
		return nil, badAnswer(err)
	}
	return p, nil
}

func (s *storeServer) Create(ctx context.Context, in *pb.CreateRequest) (*pb.CreateResponse, error) {
	c, err := storeCall(ctx, in.GetClient(), s.impl.Create)
	if err != nil {
		return nil, err
	}
	return &pb.CreateResponse{Client: c}, nil
}

func (s *storeServer) Get(ctx context.Context, in *pb.GetRequest) (*pb.GetResponse, error) {
	c, err := s.impl.Get(ctx, in.GetClientId())
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	p, err := convert.ClientToProto(&c)
	if err != nil {
		return nil, badAnswer(err)
	}
	return &pb.GetResponse{Client: p}, nil
}

func (s *storeServer) GetByRegistrationToken(ctx context.Context, in *pb.GetByRegistrationTokenRequest) (*pb.GetByRegistrationTokenResponse, error) {
	c, err := s.impl.GetByRegistrationToken(ctx, in.GetTokenHash())
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	p, err := convert.ClientToProto(&c)
	if err != nil {
		return nil, badAnswer(err)
	}
	return &pb.GetByRegistrationTokenResponse{Client: p}, nil
}

func (s *storeServer) Update(ctx context.Context, in *pb.UpdateRequest) (*pb.UpdateResponse, error) {
	c, err := storeCall(ctx, in.GetClient(), s.impl.Update)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateResponse{Client: c}, nil
}

func (s *storeServer) Delete(ctx context.Context, in *pb.DeleteRequest) (*pb.DeleteResponse, error) {
	if err := s.impl.Delete(ctx, in.GetClientId(), in.GetRevision()); err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.DeleteResponse{}, nil
}

func (s *storeServer) CountClients(ctx context.Context, in *pb.CountClientsRequest) (*pb.CountClientsResponse, error) {
	n, err := s.impl.CountClients(ctx, in.GetProfile())
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.CountClientsResponse{Count: n}, nil
}

// tokenCall decodes an initial access token, runs f on it and encodes the
// result.
func tokenCall(ctx context.Context, in *pb.InitialAccessToken,
	f func(context.Context, sdk.InitialAccessToken) (sdk.InitialAccessToken, error),
) (*pb.InitialAccessToken, error) {
	t, err := convert.InitialAccessTokenValueFromProto(in)
	if err != nil {
		return nil, badRequest(err)
	}
	out, err := f(ctx, t)
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return convert.InitialAccessTokenToProto(&out), nil
}

func (s *tokenStoreServer) CreateToken(ctx context.Context, in *pb.CreateTokenRequest) (*pb.CreateTokenResponse, error) {
	t, err := tokenCall(ctx, in.GetToken(), s.impl.CreateToken)
	if err != nil {
		return nil, err
	}
	return &pb.CreateTokenResponse{Token: t}, nil
}

func (s *tokenStoreServer) GetToken(ctx context.Context, in *pb.GetTokenRequest) (*pb.GetTokenResponse, error) {
	t, err := s.impl.GetToken(ctx, in.GetHash())
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.GetTokenResponse{Token: convert.InitialAccessTokenToProto(&t)}, nil
}

func (s *tokenStoreServer) ListTokens(ctx context.Context, _ *pb.ListTokensRequest) (*pb.ListTokensResponse, error) {
	list, err := s.impl.ListTokens(ctx)
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.ListTokensResponse{Tokens: convert.InitialAccessTokensToProto(list)}, nil
}

func (s *tokenStoreServer) UpdateToken(ctx context.Context, in *pb.UpdateTokenRequest) (*pb.UpdateTokenResponse, error) {
	t, err := tokenCall(ctx, in.GetToken(), s.impl.UpdateToken)
	if err != nil {
		return nil, err
	}
	return &pb.UpdateTokenResponse{Token: t}, nil
}

func (s *jtiStoreServer) MarkJTIUsed(ctx context.Context, in *pb.MarkJTIUsedRequest) (*pb.MarkJTIUsedResponse, error) {
	if err := s.impl.MarkJTIUsed(ctx, in.GetKey(), in.GetExpiresAt(), in.GetNow()); err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.MarkJTIUsedResponse{}, nil
}

// upstreamServer serves the Upstream service.
type upstreamServer struct {
	pb.UnimplementedUpstreamServer
	impl sdk.Upstream
}

// provisionCall decodes a provision, runs f on it and encodes what the
// authorization server assigned.
func provisionCall(ctx context.Context, in *pb.Provision, f func(context.Context, sdk.Provision) (sdk.Provisioned, error)) (*pb.Provisioned, error) {
	p, err := convert.ProvisionValueFromProto(in)
	if err != nil {
		return nil, badRequest(err)
	}
	out, err := f(ctx, p)
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return convert.ProvisionedToProto(&out), nil
}

func (s *upstreamServer) Create(ctx context.Context, in *pb.Provision) (*pb.Provisioned, error) {
	return provisionCall(ctx, in, s.impl.Create)
}

func (s *upstreamServer) Update(ctx context.Context, in *pb.Provision) (*pb.Provisioned, error) {
	return provisionCall(ctx, in, s.impl.Update)
}

func (s *upstreamServer) Delete(ctx context.Context, in *pb.UpstreamDeleteRequest) (*pb.UpstreamDeleteResponse, error) {
	if err := s.impl.Delete(ctx, in.GetClientId()); err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.UpstreamDeleteResponse{}, nil
}

func (s *upstreamServer) List(ctx context.Context, in *pb.UpstreamListRequest) (*pb.UpstreamPage, error) {
	page, err := s.impl.List(ctx, in.GetPageToken())
	if err != nil {
		return nil, convert.ToStatus(err)
	}
	return convert.UpstreamPageToProto(&page), nil
}

func (s *upstreamServer) Health(ctx context.Context, _ *pb.HealthRequest) (*pb.HealthResponse, error) {
	if err := s.impl.Health(ctx); err != nil {
		return nil, convert.ToStatus(err)
	}
	return &pb.HealthResponse{}, nil
}

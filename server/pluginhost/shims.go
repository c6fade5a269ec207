package pluginhost

import (
	"context"

	"github.com/registrar-dcr/registrar/sdk"
)

// The shims below give the pipeline the sdk interfaces, each call going
// through the supervisor (deadline, restart, unavailability).

type validator struct{ s *supervisor }

var _ sdk.Validator = validator{}

func (v validator) Validate(ctx context.Context, rc sdk.RegistrationContext) (out sdk.RegistrationContext, err error) {
	err = v.s.call(ctx, func(ctx context.Context, in instance) error {
		val, err := in.Validator()
		if err != nil {
			return err
		}
		out, err = val.Validate(ctx, rc)
		return err
	})
	return out, err
}

type processor struct{ s *supervisor }

var _ sdk.Processor = processor{}

func (p processor) Process(ctx context.Context, rc sdk.RegistrationContext) (out sdk.RegistrationContext, err error) {
	err = p.s.call(ctx, func(ctx context.Context, in instance) error {
		proc, err := in.Processor()
		if err != nil {
			return err
		}
		out, err = proc.Process(ctx, rc)
		return err
	})
	return out, err
}

type response struct{ s *supervisor }

var _ sdk.ResponseGenerator = response{}

func (r response) Generate(ctx context.Context, rc sdk.RegistrationContext, uri string) (out sdk.Response, err error) {
	err = r.s.call(ctx, func(ctx context.Context, in instance) error {
		gen, err := in.Response()
		if err != nil {
			return err
		}
		out, err = gen.Generate(ctx, rc, uri)
		return err
	})
	return out, err
}

// clientStore, tokenStore and jtiStore are the store kinds of a plugin
// (store, token_store, jti_store); store is a plugin that serves all three.
type (
	clientStore struct{ s *supervisor }
	tokenStore  struct{ s *supervisor }
	jtiStore    struct{ s *supervisor }
	store       struct {
		clientStore
		tokenStore
		jtiStore
	}
)

var (
	_ sdk.ClientStore = clientStore{}
	_ sdk.TokenStore  = tokenStore{}
	_ sdk.JTIStore    = jtiStore{}
	_ sdk.Store       = store{}
)

func (st clientStore) with(ctx context.Context, fn func(context.Context, sdk.ClientStore) error) error {
	return st.s.call(ctx, func(ctx context.Context, in instance) error {
		s, err := in.ClientStore()
		if err != nil {
			return err
		}
		return fn(ctx, s)
	})
}

func (st tokenStore) with(ctx context.Context, fn func(context.Context, sdk.TokenStore) error) error {
	return st.s.call(ctx, func(ctx context.Context, in instance) error {
		s, err := in.TokenStore()
		if err != nil {
			return err
		}
		return fn(ctx, s)
	})
}

func (st jtiStore) with(ctx context.Context, fn func(context.Context, sdk.JTIStore) error) error {
	return st.s.call(ctx, func(ctx context.Context, in instance) error {
		s, err := in.JTIStore()
		if err != nil {
			return err
		}
		return fn(ctx, s)
	})
}

func (st clientStore) Create(ctx context.Context, c sdk.Client) (out sdk.Client, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.ClientStore) error { out, err = s.Create(ctx, c); return err })
	return out, err
}

func (st clientStore) Get(ctx context.Context, id string) (out sdk.Client, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.ClientStore) error { out, err = s.Get(ctx, id); return err })
	return out, err
}

func (st clientStore) GetByRegistrationToken(ctx context.Context, hash string) (out sdk.Client, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.ClientStore) error {
		out, err = s.GetByRegistrationToken(ctx, hash)
		return err
	})
	return out, err
}

func (st clientStore) Update(ctx context.Context, c sdk.Client) (out sdk.Client, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.ClientStore) error { out, err = s.Update(ctx, c); return err })
	return out, err
}

func (st clientStore) Delete(ctx context.Context, id string, revision int64) error {
	return st.with(ctx, func(ctx context.Context, s sdk.ClientStore) error { return s.Delete(ctx, id, revision) })
}

func (st clientStore) CountClients(ctx context.Context, profile string) (n int64, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.ClientStore) error { n, err = s.CountClients(ctx, profile); return err })
	return n, err
}

func (st tokenStore) CreateToken(ctx context.Context, t sdk.InitialAccessToken) (out sdk.InitialAccessToken, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.TokenStore) error { out, err = s.CreateToken(ctx, t); return err })
	return out, err
}

func (st tokenStore) GetToken(ctx context.Context, hash string) (out sdk.InitialAccessToken, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.TokenStore) error { out, err = s.GetToken(ctx, hash); return err })
	return out, err
}

func (st tokenStore) ListTokens(ctx context.Context) (out []sdk.InitialAccessToken, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.TokenStore) error { out, err = s.ListTokens(ctx); return err })
	return out, err
}

func (st tokenStore) UpdateToken(ctx context.Context, t sdk.InitialAccessToken) (out sdk.InitialAccessToken, err error) {
	err = st.with(ctx, func(ctx context.Context, s sdk.TokenStore) error { out, err = s.UpdateToken(ctx, t); return err })
	return out, err
}

func (st jtiStore) MarkJTIUsed(ctx context.Context, key string, expiresAt, now int64) error {
	return st.with(ctx, func(ctx context.Context, s sdk.JTIStore) error { return s.MarkJTIUsed(ctx, key, expiresAt, now) })
}

// Health is the plugin's health, which for a store includes its database.
func (st clientStore) Health(ctx context.Context) error { return st.s.health(ctx) }

// Health is the plugin's health, which for a store includes its database.
func (st tokenStore) Health(ctx context.Context) error { return st.s.health(ctx) }

// Health is the plugin's health, which for a store includes its database.
func (st jtiStore) Health(ctx context.Context) error { return st.s.health(ctx) }

// Health is the plugin's health (one call: the three parts share it).
func (st store) Health(ctx context.Context) error { return st.clientStore.Health(ctx) }

// upstream is the upstream kind of a plugin.
type upstream struct{ s *supervisor }

var _ sdk.Upstream = upstream{}

func (u upstream) with(ctx context.Context, fn func(context.Context, sdk.Upstream) error) error {
	return u.s.call(ctx, func(ctx context.Context, in instance) error {
		up, err := in.Upstream()
		if err != nil {
			return err
		}
		return fn(ctx, up)
	})
}

func (u upstream) Create(ctx context.Context, p sdk.Provision) (out sdk.Provisioned, err error) {
	err = u.with(ctx, func(ctx context.Context, up sdk.Upstream) error { out, err = up.Create(ctx, p); return err })
	return out, err
}

func (u upstream) Update(ctx context.Context, p sdk.Provision) (out sdk.Provisioned, err error) {
	err = u.with(ctx, func(ctx context.Context, up sdk.Upstream) error { out, err = up.Update(ctx, p); return err })
	return out, err
}

func (u upstream) Delete(ctx context.Context, clientID string) error {
	return u.with(ctx, func(ctx context.Context, up sdk.Upstream) error { return up.Delete(ctx, clientID) })
}

func (u upstream) List(ctx context.Context, pageToken string) (out sdk.UpstreamPage, err error) {
	err = u.with(ctx, func(ctx context.Context, up sdk.Upstream) error { out, err = up.List(ctx, pageToken); return err })
	return out, err
}

// Health is the plugin's health, which for an upstream includes its
// authorization server. It neither restarts the plugin nor counts toward
// its missed deadlines.
func (u upstream) Health(ctx context.Context) error { return u.s.health(ctx) }

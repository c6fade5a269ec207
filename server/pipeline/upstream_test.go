package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/registrar-dcr/registrar/sdk"
)

// fakeUpstream is an authorization server in memory: the clients it holds
// with the plaintext secret it was given, and hooks a test sets to refuse,
// fail or assign values.
type fakeUpstream struct {
	mu      sync.Mutex
	clients map[string]upstreamRecord
	// fail, when set, answers the operation ("create", "update", "delete")
	// instead of performing it.
	fail map[string]error
	// lost, when set, performs the operation and then answers it (a write
	// that landed but whose answer was lost), once.
	lost map[string]error
	// assign is what the upstream assigns on create (and, its secret, on
	// update).
	assign sdk.Provisioned
}

type upstreamRecord struct {
	client   sdk.Client
	secret   string
	revision int64
}

var _ sdk.Upstream = (*fakeUpstream)(nil)

func newFakeUpstream() *fakeUpstream {
	return &fakeUpstream{clients: map[string]upstreamRecord{}, fail: map[string]error{}, lost: map[string]error{}}
}

func (f *fakeUpstream) Create(_ context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["create"]; err != nil {
		return sdk.Provisioned{}, err
	}
	if p.Client.SecretHash != "" && p.Client.SecretHash != sdk.RedactedHash || p.Client.SecretSealed != nil ||
		p.Client.RegistrationTokenHash != sdk.RedactedHash {
		return sdk.Provisioned{}, errors.New("fake upstream: received a credential hash")
	}
	id, secret := p.Client.ID, p.ClientSecret
	if f.assign.ClientID != "" {
		id = f.assign.ClientID
	}
	if f.assign.ClientSecret != "" {
		secret = f.assign.ClientSecret
	}
	if _, ok := f.clients[id]; ok {
		return sdk.Provisioned{}, sdk.ErrAlreadyExists
	}
	f.clients[id] = upstreamRecord{client: p.Client, secret: secret, revision: p.Revision}
	if err := f.lost["create"]; err != nil {
		delete(f.lost, "create")
		return sdk.Provisioned{}, err
	}
	return f.assign, nil
}

func (f *fakeUpstream) Update(_ context.Context, p sdk.Provision) (sdk.Provisioned, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["update"]; err != nil {
		return sdk.Provisioned{}, err
	}
	old, ok := f.clients[p.Client.ID]
	if !ok {
		return sdk.Provisioned{}, sdk.ErrNotFound
	}
	rec := upstreamRecord{client: p.Client, secret: old.secret, revision: p.Revision}
	switch {
	case f.assign.ClientSecret != "":
		rec.secret = f.assign.ClientSecret
	case p.ClientSecret != "":
		rec.secret = p.ClientSecret
	case !p.Client.HasSecret():
		rec.secret = ""
	}
	f.clients[p.Client.ID] = rec
	if err := f.lost["update"]; err != nil {
		delete(f.lost, "update")
		return sdk.Provisioned{}, err
	}
	return sdk.Provisioned{ClientSecret: f.assign.ClientSecret}, nil
}

func (f *fakeUpstream) Delete(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.fail["delete"]; err != nil {
		return err
	}
	if _, ok := f.clients[id]; !ok {
		return sdk.ErrNotFound
	}
	delete(f.clients, id)
	return nil
}

func (f *fakeUpstream) List(context.Context, string) (sdk.UpstreamPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var page sdk.UpstreamPage
	for id, rec := range f.clients {
		page.Clients = append(page.Clients, sdk.UpstreamClient{ID: id, Revision: rec.revision})
	}
	return page, nil
}

func (f *fakeUpstream) Health(context.Context) error { return nil }

func (f *fakeUpstream) set(fn func(f *fakeUpstream)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeUpstream) get(id string) (upstreamRecord, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.clients[id]
	return rec, ok
}

func (f *fakeUpstream) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.clients)
}

// newUpstreamHarness is newHarness with a fakeUpstream.
func newUpstreamHarness(t *testing.T) (*harness, *fakeUpstream) {
	t.Helper()
	h := newHarness(t, sdk.RotateOnUpdate)
	up := newFakeUpstream()
	h.p.Upstream = up
	return h, up
}

var errDown = errors.New("dial tcp 127.0.0.1:4445: connect: connection refused")

func TestUpstreamCreate(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the failure of the case.
		setup      func(h *harness, up *fakeUpstream)
		wantStatus int
		wantCode   string
		// wantUpstream: the upstream holds the client after the request.
		wantUpstream bool
		wantLog      string
	}{
		{name: "accepted", wantStatus: http.StatusCreated, wantUpstream: true},
		{name: "upstream refuses", wantStatus: http.StatusBadRequest, wantCode: sdk.CodeInvalidRedirectURI,
			setup: func(_ *harness, up *fakeUpstream) {
				up.set(func(f *fakeUpstream) {
					f.fail["create"] = sdk.ErrInvalidRedirectURI().WithDescription("redirect_uris[0]: refused by the authorization server")
				})
			}},
		{name: "upstream down", wantStatus: http.StatusServiceUnavailable, wantCode: sdk.CodeTemporarilyUnavailable,
			setup: func(_ *harness, up *fakeUpstream) { up.set(func(f *fakeUpstream) { f.fail["create"] = errDown }) }},
		{name: "upstream answers 401 is not the caller's 401", wantStatus: http.StatusServiceUnavailable, wantCode: sdk.CodeTemporarilyUnavailable,
			setup: func(_ *harness, up *fakeUpstream) {
				up.set(func(f *fakeUpstream) { f.fail["create"] = sdk.ErrInvalidToken() })
			}},
		{name: "store unavailable after upstream accepted", wantStatus: http.StatusServiceUnavailable, wantCode: sdk.CodeTemporarilyUnavailable,
			wantLog: "deleted its client there",
			setup: func(h *harness, _ *fakeUpstream) {
				h.store.set(func(s *hookStore) { s.onCreate = func(context.Context, sdk.Client) error { return sdk.ErrUnavailable } })
			}},
		{name: "store refuses after upstream accepted", wantStatus: http.StatusServiceUnavailable, wantCode: sdk.CodeTemporarilyUnavailable,
			wantLog: "deleted its client there",
			setup: func(h *harness, _ *fakeUpstream) {
				h.store.set(func(s *hookStore) {
					s.onCreate = func(context.Context, sdk.Client) error { return errors.New("constraint failed") }
				})
			}},
		{name: "store fails and compensation cannot reach upstream", wantStatus: http.StatusServiceUnavailable,
			wantCode: sdk.CodeTemporarilyUnavailable, wantUpstream: true, wantLog: "registrar reconcile",
			setup: func(h *harness, up *fakeUpstream) {
				h.store.set(func(s *hookStore) {
					s.onCreate = func(context.Context, sdk.Client) error { return errors.New("constraint failed") }
				})
				up.set(func(f *fakeUpstream) { f.fail["delete"] = errDown })
			}},
		{name: "response fails after both writes", wantStatus: http.StatusInternalServerError,
			wantLog: "deleted its client there",
			setup:   func(h *harness, _ *fakeUpstream) { h.p.Response = failingResponse{errors.New("template broken")} }},
		{name: "upstream assigns a secret to a public client", wantStatus: http.StatusInternalServerError,
			setup: func(_ *harness, up *fakeUpstream) {
				up.set(func(f *fakeUpstream) { f.assign = sdk.Provisioned{ClientSecret: "upstream-chosen"} })
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, up := newUpstreamHarness(t)
			authz, hash := h.issueToken(t, 1)
			if tc.setup != nil {
				tc.setup(h, up)
			}
			body := webBody
			if strings.Contains(tc.name, "public client") {
				body = `{"redirect_uris":["http://127.0.0.1/cb"],"application_type":"native","token_endpoint_auth_method":"none"}`
			}
			resp, err := h.p.Register(t.Context(), Request{Authorization: authz, Body: []byte(body)})
			got := resp.Status
			if err != nil {
				got = status(err)
			}
			if got != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", got, err, tc.wantStatus)
			}
			if e, ok := sdk.AsError(err); tc.wantCode != "" && (!ok || e.Code != tc.wantCode) {
				t.Fatalf("error %v, want code %s", err, tc.wantCode)
			}
			if tc.wantLog != "" && !strings.Contains(h.logs.String(), tc.wantLog) {
				t.Errorf("log lacks %q:\n%s", tc.wantLog, h.logs.String())
			}
			if n := up.count(); (n == 1) != tc.wantUpstream {
				t.Errorf("upstream holds %d clients, want client there: %v", n, tc.wantUpstream)
			}
			n, _ := h.store.CountClients(t.Context(), "p")
			if tc.wantStatus != http.StatusCreated {
				if n != 0 {
					t.Errorf("%d clients stored by a failed registration", n)
				}
				if tc.wantUpstream {
					return // the use stays spent while the upstream client may be used
				}
				if u := h.uses(t, hash); u != 0 && !strings.Contains(tc.name, "store fails") {
					t.Errorf("the token's use was not given back: uses = %d", u)
				}
				return
			}
			info := decodeInfo(t, resp)
			rec, ok := up.get(info.ClientID)
			if !ok || rec.secret == "" || rec.secret != info.ClientSecret || rec.revision != 1 {
				t.Fatalf("upstream record %+v (ok %v) does not hold the issued secret at revision 1", rec.client.ID, ok)
			}
			if n != 1 {
				t.Fatalf("%d clients stored", n)
			}
			if strings.Contains(h.logs.String(), info.ClientSecret) {
				t.Fatal("the log holds the client secret")
			}
		})
	}
}

func TestUpstreamAssignsCredentials(t *testing.T) {
	h, up := newUpstreamHarness(t)
	up.set(func(f *fakeUpstream) {
		f.assign = sdk.Provisioned{ClientID: "upstream-id-1", ClientSecret: "upstream-secret-1"}
	})
	info := h.register(t, "")
	if info.ClientID != "upstream-id-1" || info.ClientSecret != "upstream-secret-1" {
		t.Fatalf("answer %+v does not carry the upstream's credentials", info)
	}
	stored, err := h.store.Get(t.Context(), "upstream-id-1")
	if err != nil || !sdk.TokenMatches("upstream-secret-1", stored.SecretHash) {
		t.Fatalf("stored %+v, %v: not under the upstream's id with its secret's hash", stored.ID, err)
	}
	if _, err := h.p.Read(t.Context(), manage(info)); err != nil {
		t.Fatalf("the registration cannot be managed under the upstream's id: %v", err)
	}
	// A sealed (client_secret_jwt) secret is sealed again for the new id,
	// and refused without a sealer.
	rc := sdk.RegistrationContext{Operation: sdk.OperationCreate,
		Client: sdk.Client{ID: "mine", SecretHash: sdk.HashToken("s"), SecretSealed: []byte("sealed")},
		Issued: sdk.Credentials{ClientSecret: "s"}}
	if _, err := h.p.applyAssigned(rc, sdk.Provisioned{ClientID: "theirs"}); err == nil {
		t.Fatal("a sealed secret moved to another id without a sealer")
	}
	sealer, err := sdk.NewAESSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	h.p.Sealer = sealer
	out, err := h.p.applyAssigned(rc, sdk.Provisioned{ClientID: "theirs"})
	if err != nil || string(out.Client.SecretSealed) == "sealed" || out.Client.ID != "theirs" {
		t.Fatalf("resealed %v: %+v", err, out.Client.ID)
	}
	if _, err := h.p.applyAssigned(sdk.RegistrationContext{Operation: sdk.OperationUpdate, Client: sdk.Client{ID: "a"}},
		sdk.Provisioned{ClientID: "b"}); err == nil {
		t.Fatal("an update accepted a new client_id")
	}
}

func TestUpstreamUpdate(t *testing.T) {
	tests := []struct {
		name       string
		upErr      error
		storeErr   error
		wantStatus int
		// wantName is the client_name both sides hold afterwards.
		wantName string
	}{
		{name: "accepted", wantStatus: http.StatusOK, wantName: "renamed"},
		{name: "upstream refuses", upErr: sdk.ErrInvalidClientMetadata().WithDescription("client_name: refused"),
			wantStatus: http.StatusBadRequest, wantName: "app"},
		{name: "upstream down", upErr: errDown, wantStatus: http.StatusServiceUnavailable, wantName: "app"},
		{name: "upstream lost the client", upErr: sdk.ErrNotFound, wantStatus: http.StatusServiceUnavailable, wantName: "app"},
		{name: "store conflict never reaches upstream", storeErr: sdk.ErrConflict, wantStatus: http.StatusConflict, wantName: "app"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, up := newUpstreamHarness(t)
			c := h.register(t, "")
			up.set(func(f *fakeUpstream) { f.fail["update"] = tc.upErr })
			h.store.set(func(s *hookStore) {
				s.onUpdate = func(context.Context, sdk.Client) error { return tc.storeErr }
			})
			resp, err := h.p.Update(t.Context(), updateRequest(c, "renamed"))
			got := resp.Status
			if err != nil {
				got = status(err)
			}
			if got != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", got, err, tc.wantStatus)
			}
			h.store.set(func(s *hookStore) { s.onUpdate = nil })
			token := c.RegistrationAccessToken
			if err == nil {
				token = decodeInfo(t, resp).RegistrationAccessToken
			}
			// The registration is manageable with the token the caller
			// holds: the old one when the update failed.
			read, rerr := h.p.Read(t.Context(), Request{Authorization: "Bearer " + token, ClientID: c.ClientID})
			if rerr != nil {
				t.Fatalf("read after the update: %v", rerr)
			}
			if name := decodeInfo(t, read).ClientName; name != tc.wantName {
				t.Errorf("stored client_name %q, want %q", name, tc.wantName)
			}
			rec, _ := up.get(c.ClientID)
			if rec.client.Metadata.ClientName != tc.wantName {
				t.Errorf("upstream client_name %q, want %q", rec.client.Metadata.ClientName, tc.wantName)
			}
			if rec.secret != c.ClientSecret {
				t.Error("the update changed the upstream's secret although none was issued")
			}
			if tc.wantStatus == http.StatusOK && rec.revision != 2 {
				t.Errorf("upstream revision %d, want 2", rec.revision)
			}
		})
	}
}

func TestUpstreamDelete(t *testing.T) {
	tests := []struct {
		name       string
		upErr      error
		storeErr   error
		wantStatus int
		// wantLocal: the registration remains, manageable.
		wantLocal bool
	}{
		{name: "deleted on both sides", wantStatus: http.StatusNoContent},
		{name: "upstream already lost it", upErr: sdk.ErrNotFound, wantStatus: http.StatusNoContent},
		{name: "upstream down keeps the registration", upErr: errDown, wantStatus: http.StatusServiceUnavailable, wantLocal: true},
		{name: "store fails after upstream deleted", storeErr: sdk.ErrUnavailable, wantStatus: http.StatusServiceUnavailable, wantLocal: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, up := newUpstreamHarness(t)
			c := h.register(t, "")
			if errors.Is(tc.upErr, sdk.ErrNotFound) {
				if err := up.Delete(t.Context(), c.ClientID); err != nil {
					t.Fatal(err)
				}
			}
			up.set(func(f *fakeUpstream) {
				if !errors.Is(tc.upErr, sdk.ErrNotFound) {
					f.fail["delete"] = tc.upErr
				}
			})
			h.store.set(func(s *hookStore) {
				s.onDelete = func(context.Context, string, int64) error { return tc.storeErr }
			})
			resp, err := h.p.Delete(t.Context(), manage(c))
			got := resp.Status
			if err != nil {
				got = status(err)
			}
			if got != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", got, err, tc.wantStatus)
			}
			_, rerr := h.p.Read(t.Context(), manage(c))
			if (rerr == nil) != tc.wantLocal {
				t.Fatalf("read after delete: %v, want the registration kept: %v", rerr, tc.wantLocal)
			}
			if !tc.wantLocal {
				if _, ok := up.get(c.ClientID); ok {
					t.Fatal("gone here, alive upstream")
				}
				return
			}
			if tc.upErr != nil {
				if _, ok := up.get(c.ClientID); !ok {
					t.Fatal("the upstream client is gone although its delete failed")
				}
			}
			// The client tries again once things recover: 204, gone on
			// both sides.
			up.set(func(f *fakeUpstream) { f.fail["delete"] = nil })
			h.store.set(func(s *hookStore) { s.onDelete = nil })
			if _, err := h.p.Delete(t.Context(), manage(c)); err != nil {
				t.Fatalf("retried delete: %v", err)
			}
			if _, ok := up.get(c.ClientID); ok || up.count() != 0 {
				t.Fatal("the retried delete left the upstream client")
			}
		})
	}
}

// TestUpstreamLostAnswers: a write that landed upstream but whose answer
// was lost (a deadline, a broken connection) is settled: a create is taken
// back and answered 503, an update is sent again and answered 200.
func TestUpstreamLostAnswers(t *testing.T) {
	h, up := newUpstreamHarness(t)
	up.set(func(f *fakeUpstream) { f.lost["create"] = errDown })
	_, err := h.p.Register(t.Context(), Request{Body: []byte(webBody)})
	if status(err) != http.StatusServiceUnavailable {
		t.Fatalf("create whose answer was lost: %v", err)
	}
	if n := up.count(); n != 0 {
		t.Fatalf("the landed create was left upstream: %d clients", n)
	}

	c := h.register(t, "")
	up.set(func(f *fakeUpstream) { f.lost["update"] = context.DeadlineExceeded })
	resp, err := h.p.Update(t.Context(), updateRequest(c, "renamed"))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("update whose first answer was lost: %v", err)
	}
	if rec, _ := up.get(c.ClientID); rec.client.Metadata.ClientName != "renamed" || rec.revision != 2 {
		t.Fatalf("upstream holds %q at revision %d", rec.client.Metadata.ClientName, rec.revision)
	}
}

// TestUpstreamDeleteRacingUpdate: a delete whose upstream delete is done
// finishes locally even when an update changed the registration in
// between (its revision is stale): never alive here, gone there.
func TestUpstreamDeleteRacingUpdate(t *testing.T) {
	h, up := newUpstreamHarness(t)
	c := h.register(t, "")
	h.store.set(func(s *hookStore) {
		s.onDelete = func(ctx context.Context, id string, _ int64) error {
			s.set(func(s *hookStore) { s.onDelete = nil }) // once
			cur, err := s.Store.Get(ctx, id)
			if err != nil {
				return err
			}
			cur.Metadata.ClientName = "changed meanwhile"
			_, err = s.Store.Update(ctx, cur)
			return err
		}
	})
	resp, err := h.p.Delete(t.Context(), manage(c))
	if err != nil || resp.Status != http.StatusNoContent {
		t.Fatalf("delete racing an update: %v", err)
	}
	if _, err := h.store.Get(t.Context(), c.ClientID); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("the registration outlived its upstream client: %v", err)
	}
	if up.count() != 0 {
		t.Fatal("the upstream client survived")
	}
}

// TestUpstreamUpdateProvisionsLostClient: an update of a public client the
// upstream no longer holds provisions it again (it needs no secret); a
// confidential one cannot be (Registrar holds only its secret's hash) and
// is answered 503, its record put back.
func TestUpstreamUpdateProvisionsLostClient(t *testing.T) {
	h, up := newUpstreamHarness(t)
	const native = `{"redirect_uris":["http://127.0.0.1/cb"],"application_type":"native","token_endpoint_auth_method":"none","client_name":"app"}`
	resp, err := h.p.Register(t.Context(), Request{Body: []byte(native)})
	if err != nil {
		t.Fatal(err)
	}
	c := decodeInfo(t, resp)
	if err := up.Delete(t.Context(), c.ClientID); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"client_id":%q,"redirect_uris":["http://127.0.0.1/cb"],"application_type":"native","token_endpoint_auth_method":"none","client_name":"again"}`, c.ClientID)
	if _, err := h.p.Update(t.Context(), Request{Authorization: "Bearer " + c.RegistrationAccessToken, ClientID: c.ClientID, Body: []byte(body)}); err != nil {
		t.Fatalf("update of a public client the upstream lost: %v", err)
	}
	if rec, ok := up.get(c.ClientID); !ok || rec.client.Metadata.ClientName != "again" || rec.revision != 2 {
		t.Fatalf("upstream holds %v %+v", ok, rec.revision)
	}
}

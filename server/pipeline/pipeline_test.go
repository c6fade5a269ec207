package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/internal/testlog"
	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/auth"
	"github.com/registrar-dcr/registrar/server/stores/memory"
)

// hookStore is a memory store whose client writes a test can fail, hold
// or interleave with other writes. A hook runs before the write; an error
// it returns is the write's answer and the write does not happen.
type hookStore struct {
	*memory.Store

	mu       sync.Mutex
	onCreate func(ctx context.Context, c sdk.Client) error
	// afterCreate runs after a successful create; an error it returns is
	// the create's answer although the client is stored (a commit whose
	// acknowledgement was lost).
	afterCreate func(ctx context.Context, c sdk.Client) error
	onUpdate    func(ctx context.Context, c sdk.Client) error
	onDelete    func(ctx context.Context, id string, revision int64) error
	creates     int
	updates     int
	deletes     int
}

var _ sdk.Store = (*hookStore)(nil)

func newHookStore() *hookStore { return &hookStore{Store: memory.New()} }

func (s *hookStore) Create(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	s.mu.Lock()
	s.creates++
	hook := s.onCreate
	s.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, c); err != nil {
			return sdk.Client{}, err
		}
	}
	stored, err := s.Store.Create(ctx, c)
	s.mu.Lock()
	after := s.afterCreate
	s.mu.Unlock()
	if err == nil && after != nil {
		if err := after(ctx, stored); err != nil {
			return sdk.Client{}, err
		}
	}
	return stored, err
}

func (s *hookStore) Update(ctx context.Context, c sdk.Client) (sdk.Client, error) {
	s.mu.Lock()
	s.updates++
	hook := s.onUpdate
	s.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, c); err != nil {
			return sdk.Client{}, err
		}
	}
	return s.Store.Update(ctx, c)
}

func (s *hookStore) Delete(ctx context.Context, id string, revision int64) error {
	s.mu.Lock()
	s.deletes++
	hook := s.onDelete
	s.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, id, revision); err != nil {
			return err
		}
	}
	return s.Store.Delete(ctx, id, revision)
}

func (s *hookStore) set(f func(s *hookStore)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *hookStore) counts() (creates, updates, deletes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creates, s.updates, s.deletes
}

// failingResponse fails every Generate with err.
type failingResponse struct{ err error }

func (f failingResponse) Generate(context.Context, sdk.RegistrationContext, string) (sdk.Response, error) {
	return sdk.Response{}, f.err
}

// harness is a pipeline on a hookStore: anonymous callers and issued
// initial access tokens register under profile "p" with the built-in
// validator, processor and response generator.
type harness struct {
	p     *Pipeline
	store *hookStore
	logs  *testlog.Buffer
	now   atomic.Int64 // seconds since the epoch
}

func newHarness(t *testing.T, rotation string) *harness {
	t.Helper()
	h := &harness{store: newHookStore(), logs: &testlog.Buffer{}}
	h.now.Store(1_800_000_000)
	policy := allPolicy()
	policy.TokenRotation = rotation
	policy.ClientSecretLifetime = 60
	h.p = &Pipeline{
		Auth: auth.New(auth.Options{Anonymous: "p", Store: h.store, IssuedTokenProfiles: []string{"p"},
			Now: h.clock}),
		Profiles: map[string]*Profile{"p": {Name: "p", Policy: policy,
			Validators: []sdk.Validator{sdk.StepsValidator{Steps: sdk.DefaultSteps{}}}}},
		Processor:   sdk.DefaultProcessor{},
		Store:       h.store,
		Response:    sdk.DefaultResponseGenerator{},
		BaseURL:     "https://registrar.example.com",
		Logger:      hclog.New(&hclog.LoggerOptions{Output: h.logs, Level: hclog.Trace}),
		Now:         h.clock,
		revokeRetry: retryPolicy{attempts: 4, base: time.Millisecond, max: 4 * time.Millisecond, budget: 5 * time.Second},
	}
	t.Cleanup(h.p.Wait) // no background revocation outlives its test
	return h
}

func (h *harness) clock() time.Time { return time.Unix(h.now.Load(), 0) }

// clientInfo is what a client information response holds of interest.
type clientInfo struct {
	ClientID                string  `json:"client_id"`
	ClientSecret            string  `json:"client_secret"`
	ClientSecretExpiresAt   *int64  `json:"client_secret_expires_at"`
	RegistrationAccessToken string  `json:"registration_access_token"`
	ClientName              string  `json:"client_name"`
	Scope                   *string `json:"scope"`
}

const webBody = `{"redirect_uris":["https://app.example.com/cb"],"client_name":"app",` +
	`"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code"]}`

// register creates a client, failing the test on error.
func (h *harness) register(t *testing.T, authorization string) clientInfo {
	t.Helper()
	resp, err := h.p.Register(t.Context(), Request{Authorization: authorization, Body: []byte(webBody)})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return decodeInfo(t, resp)
}

func decodeInfo(t *testing.T, resp sdk.Response) clientInfo {
	t.Helper()
	var info clientInfo
	if err := json.Unmarshal(resp.Body, &info); err != nil {
		t.Fatalf("answer %d %q: %v", resp.Status, resp.Body, err)
	}
	return info
}

// updateRequest is a PUT of c renamed to name.
func updateRequest(c clientInfo, name string) Request {
	body := fmt.Sprintf(`{"client_id":%q,"redirect_uris":["https://app.example.com/cb"],"client_name":%q,`+
		`"token_endpoint_auth_method":"client_secret_basic","grant_types":["authorization_code"]}`, c.ClientID, name)
	return Request{Authorization: "Bearer " + c.RegistrationAccessToken, ClientID: c.ClientID, Body: []byte(body)}
}

func manage(c clientInfo) Request {
	return Request{Authorization: "Bearer " + c.RegistrationAccessToken, ClientID: c.ClientID}
}

// issueToken stores an initial access token of maxUses uses (0: no limit)
// and returns its Authorization header.
func (h *harness) issueToken(t *testing.T, maxUses int64) (authorization, hash string) {
	t.Helper()
	token, err := sdk.RandomToken()
	if err != nil {
		t.Fatal(err)
	}
	hash = sdk.HashToken(token)
	if _, err := h.store.CreateToken(t.Context(), sdk.InitialAccessToken{ID: "iat-1", Hash: hash, Profile: "p", MaxUses: maxUses}); err != nil {
		t.Fatal(err)
	}
	return "Bearer " + token, hash
}

func (h *harness) uses(t *testing.T, hash string) int64 {
	t.Helper()
	tok, err := h.store.GetToken(t.Context(), hash)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Uses
}

// status is the HTTP status the server answers for err: its *sdk.Error's,
// or 500 for any other error.
func status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if e, ok := sdk.AsError(err); ok {
		return e.Status
	}
	return http.StatusInternalServerError
}

func TestStoreError(t *testing.T) {
	plain := errors.New("disk on fire")
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantSame   bool // the error itself is answered (internal, or an *sdk.Error)
	}{
		{name: "nil", err: nil, wantStatus: http.StatusOK, wantSame: true},
		{name: "conflict", err: sdk.ErrConflict, wantStatus: http.StatusConflict, wantCode: sdk.CodeInvalidRequest},
		{name: "wrapped conflict", err: fmt.Errorf("update: %w", sdk.ErrConflict), wantStatus: http.StatusConflict, wantCode: sdk.CodeInvalidRequest},
		{name: "unavailable", err: fmt.Errorf("dial: %w", sdk.ErrUnavailable), wantStatus: http.StatusServiceUnavailable, wantCode: sdk.ErrTemporarilyUnavailable().Code},
		{name: "deadline", err: fmt.Errorf("query: %w", context.DeadlineExceeded), wantStatus: http.StatusServiceUnavailable, wantCode: sdk.ErrTemporarilyUnavailable().Code},
		{name: "canceled", err: fmt.Errorf("query: %w", context.Canceled), wantStatus: http.StatusServiceUnavailable, wantCode: sdk.ErrTemporarilyUnavailable().Code},
		{name: "oauth error kept", err: sdk.ErrInvalidClientMetadata().WithDescription("x: no"), wantStatus: http.StatusBadRequest, wantCode: sdk.CodeInvalidClientMetadata, wantSame: true},
		{name: "plain error is internal", err: plain, wantStatus: http.StatusInternalServerError, wantSame: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := storeError(tc.err)
			if s := status(got); s != tc.wantStatus {
				t.Fatalf("status %d, want %d (%v)", s, tc.wantStatus, got)
			}
			if tc.wantSame && got != tc.err {
				t.Fatalf("got %v, want the error itself", got)
			}
			if e, ok := sdk.AsError(got); ok && tc.wantCode != "" && e.Code != tc.wantCode {
				t.Errorf("code %q, want %q", e.Code, tc.wantCode)
			}
			if tc.err != nil && !tc.wantSame && !errors.Is(got, errConcurrentUpdate) && !errors.Is(got, tc.err) {
				t.Errorf("the cause %v is lost: %v", tc.err, got)
			}
		})
	}
	// A canceled context is answered as a step's is.
	if a, b := storeError(context.Canceled), stepError(context.Canceled); status(a) != status(b) {
		t.Errorf("canceled: store answers %d, a step %d", status(a), status(b))
	}
}

// TestStoreFailuresThroughPipeline: every write of create, update and
// delete answers 409 on a stale revision, 503 on an outage, a deadline or a
// canceled context, and 500 on anything else; a failed create gives the
// initial access token's use back and stores nothing.
func TestStoreFailuresThroughPipeline(t *testing.T) {
	tests := []struct {
		name       string
		op         string
		err        error
		wantStatus int
	}{
		{"create unavailable", "create", sdk.ErrUnavailable, http.StatusServiceUnavailable},
		{"create deadline", "create", context.DeadlineExceeded, http.StatusServiceUnavailable},
		{"create canceled", "create", context.Canceled, http.StatusServiceUnavailable},
		{"create internal", "create", errors.New("constraint failed"), http.StatusInternalServerError},
		{"update conflict", "update", fmt.Errorf("w: %w", sdk.ErrConflict), http.StatusConflict},
		{"update unavailable", "update", sdk.ErrUnavailable, http.StatusServiceUnavailable},
		{"update deadline", "update", context.DeadlineExceeded, http.StatusServiceUnavailable},
		{"update canceled", "update", context.Canceled, http.StatusServiceUnavailable},
		{"delete conflict", "delete", sdk.ErrConflict, http.StatusConflict},
		{"delete unavailable", "delete", sdk.ErrUnavailable, http.StatusServiceUnavailable},
		{"delete canceled", "delete", context.Canceled, http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sdk.RotateOnUpdate)
			authz, hash := h.issueToken(t, 1)
			var err error
			switch tc.op {
			case "create":
				h.store.set(func(s *hookStore) {
					s.onCreate = func(context.Context, sdk.Client) error { return tc.err }
				})
				_, err = h.p.Register(t.Context(), Request{Authorization: authz, Body: []byte(webBody)})
				if n := h.uses(t, hash); n != 0 {
					t.Errorf("the token's use was not given back: uses = %d", n)
				}
				if n, _ := h.store.CountClients(t.Context(), "p"); n != 0 {
					t.Errorf("%d clients stored by a failed create", n)
				}
			case "update", "delete":
				c := h.register(t, "")
				h.store.set(func(s *hookStore) {
					s.onUpdate = func(context.Context, sdk.Client) error { return tc.err }
					s.onDelete = func(context.Context, string, int64) error { return tc.err }
				})
				if tc.op == "update" {
					_, err = h.p.Update(t.Context(), updateRequest(c, "renamed"))
				} else {
					_, err = h.p.Delete(t.Context(), manage(c))
				}
				h.store.set(func(s *hookStore) { s.onUpdate, s.onDelete = nil, nil })
				got, rerr := h.p.Read(t.Context(), manage(c))
				if rerr != nil || decodeInfo(t, got).ClientName != "app" {
					t.Errorf("the failed %s changed the client: %v", tc.op, rerr)
				}
			}
			if s := status(err); s != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", s, err, tc.wantStatus)
			}
			if tc.wantStatus == http.StatusConflict && !errors.Is(err, errConcurrentUpdate) {
				t.Errorf("got %v, want the concurrent update answer", err)
			}
		})
	}
}

// TestAmbiguousCreateFailure: a create that fails with an outage, a
// deadline or a cancellation may have been committed; the caller is
// answered 503 and never learns the client, so the pipeline deletes it
// and gives the initial access token's use back. When that delete fails,
// the client may exist: the use stays spent and the error log names the
// client. A definite refusal deletes nothing.
func TestAmbiguousCreateFailure(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		committed   bool  // the store wrote the client before failing
		deleteErr   error // the cleanup's delete fails with it
		wantStatus  int
		wantDeletes int
		wantClients int64
		wantUses    int64
		wantError   bool // an error-level log line naming the client
	}{
		{name: "committed then deadline", err: fmt.Errorf("insert: %w", context.DeadlineExceeded), committed: true,
			wantStatus: http.StatusServiceUnavailable, wantDeletes: 1},
		{name: "committed then unavailable", err: fmt.Errorf("plugin died: %w", sdk.ErrUnavailable), committed: true,
			wantStatus: http.StatusServiceUnavailable, wantDeletes: 1},
		{name: "committed then canceled", err: context.Canceled, committed: true,
			wantStatus: http.StatusServiceUnavailable, wantDeletes: 1},
		{name: "deadline, nothing written", err: context.DeadlineExceeded,
			wantStatus: http.StatusServiceUnavailable, wantDeletes: 1},
		{name: "committed, cleanup fails", err: context.DeadlineExceeded, committed: true, deleteErr: sdk.ErrUnavailable,
			wantStatus: http.StatusServiceUnavailable, wantDeletes: 1, wantClients: 1, wantUses: 1, wantError: true},
		{name: "internal error deletes nothing", err: errors.New("constraint failed"),
			wantStatus: http.StatusInternalServerError},
		{name: "duplicate id deletes nothing", err: fmt.Errorf("insert: %w", sdk.ErrAlreadyExists),
			wantStatus: http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sdk.RotateOnUpdate)
			authz, hash := h.issueToken(t, 1)
			var createdID string
			h.store.set(func(s *hookStore) {
				hook := func(_ context.Context, c sdk.Client) error {
					createdID = c.ID
					return tc.err
				}
				if tc.committed {
					s.afterCreate = hook
				} else {
					s.onCreate = hook
				}
				if tc.deleteErr != nil {
					s.onDelete = func(context.Context, string, int64) error { return tc.deleteErr }
				}
			})
			_, err := h.p.Register(t.Context(), Request{Authorization: authz, Body: []byte(webBody)})
			if s := status(err); s != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", s, err, tc.wantStatus)
			}
			if _, _, deletes := h.store.counts(); deletes != tc.wantDeletes {
				t.Errorf("%d deletes, want %d", deletes, tc.wantDeletes)
			}
			if n, _ := h.store.CountClients(t.Context(), "p"); n != tc.wantClients {
				t.Errorf("%d clients stored, want %d", n, tc.wantClients)
			}
			if n := h.uses(t, hash); n != tc.wantUses {
				t.Errorf("uses = %d, want %d", n, tc.wantUses)
			}
			logs := h.logs.String()
			hasError := strings.Contains(logs, "[ERROR]") && strings.Contains(logs, "client_id="+createdID)
			if hasError != tc.wantError {
				t.Errorf("error-level log naming the client: %v, want %v\n%s", hasError, tc.wantError, logs)
			}
		})
	}
}

// TestUndoCreate: when the response generator fails after the client was
// stored, the caller never learns the client's credentials, so the client
// is deleted and the initial access token's use given back. When that
// delete fails too, the error log names the client.
func TestUndoCreate(t *testing.T) {
	tests := []struct {
		name       string
		respErr    error
		deleteErr  error
		wantStatus int
	}{
		{name: "internal failure", respErr: errors.New("template broken"), wantStatus: http.StatusInternalServerError},
		{name: "plugin unavailable", respErr: fmt.Errorf("plugin: %w", context.DeadlineExceeded), wantStatus: http.StatusServiceUnavailable},
		{name: "oauth error", respErr: sdk.ErrInvalidClientMetadata().WithDescription("x_extra: refused"), wantStatus: http.StatusBadRequest},
		{name: "delete fails too", respErr: errors.New("template broken"), deleteErr: sdk.ErrUnavailable, wantStatus: http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, sdk.RotateOnUpdate)
			authz, hash := h.issueToken(t, 1)
			h.p.Response = failingResponse{tc.respErr}
			if tc.deleteErr != nil {
				h.store.set(func(s *hookStore) {
					s.onDelete = func(context.Context, string, int64) error { return tc.deleteErr }
				})
			}
			_, err := h.p.Register(t.Context(), Request{Authorization: authz, Body: []byte(webBody)})
			if s := status(err); s != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", s, err, tc.wantStatus)
			}
			creates, _, deletes := h.store.counts()
			if creates != 1 || deletes != 1 {
				t.Fatalf("creates %d, deletes %d: want the stored client deleted once", creates, deletes)
			}
			n, _ := h.store.CountClients(t.Context(), "p")
			uses := h.uses(t, hash)
			if tc.deleteErr != nil {
				if n != 1 || uses != 1 {
					t.Errorf("clients %d, uses %d: a client that could not be deleted keeps its use", n, uses)
				}
				logs := h.logs.String()
				if !strings.Contains(logs, "[ERROR]") || !strings.Contains(logs, "cannot delete a client whose registration failed to answer") {
					t.Errorf("the failed undo is not logged at error level:\n%s", logs)
				}
				return
			}
			if n != 0 || uses != 0 {
				t.Fatalf("clients %d, uses %d: want the registration undone and the use given back", n, uses)
			}
			// The use given back works: the one-use token registers now.
			h.p.Response = sdk.DefaultResponseGenerator{}
			h.register(t, authz)
			if uses := h.uses(t, hash); uses != 1 {
				t.Errorf("uses %d after a successful registration, want 1", uses)
			}
		})
	}
}

// gate holds the writes of concurrent requests until each has arrived,
// then lets them through in a chosen order.
type gate struct {
	arrived chan string
	release map[string]chan struct{}
}

func newGate(names ...string) *gate {
	g := &gate{arrived: make(chan string, len(names)), release: map[string]chan struct{}{}}
	for _, n := range names {
		g.release[n] = make(chan struct{})
	}
	return g
}

// wait is the hook of the write named name.
func (g *gate) wait(ctx context.Context, name string) error {
	g.arrived <- name
	select {
	case <-g.release[name]:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) awaitAll(t *testing.T) {
	t.Helper()
	for range g.release {
		select {
		case <-g.arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("the requests never reached the store")
		}
	}
}

type result struct {
	resp sdk.Response
	err  error
}

// TestUpdateLosingRaceIs409: two updates of one client that both read it
// before either writes: one wins, the other answers the 409 the README
// promises ("a concurrent write changed the registration first"), and no
// update is lost silently.
func TestUpdateLosingRaceIs409(t *testing.T) {
	for _, rotation := range []string{sdk.RotateOnUpdate, sdk.RotateNever} {
		t.Run(rotation, func(t *testing.T) {
			h := newHarness(t, rotation)
			c := h.register(t, "")
			var n atomic.Int32
			g := newGate("first", "second")
			h.store.set(func(s *hookStore) {
				s.onUpdate = func(ctx context.Context, _ sdk.Client) error {
					if n.Add(1) == 1 {
						return g.wait(ctx, "first")
					}
					return g.wait(ctx, "second")
				}
			})
			results := make(chan result, 2)
			for _, name := range []string{"one", "two"} {
				go func() {
					resp, err := h.p.Update(t.Context(), updateRequest(c, name))
					results <- result{resp, err}
				}()
			}
			g.awaitAll(t)
			close(g.release["first"])
			first := <-results
			close(g.release["second"])
			second := <-results
			if first.err != nil || first.resp.Status != http.StatusOK {
				t.Fatalf("the first write: %d %v", first.resp.Status, first.err)
			}
			e, ok := sdk.AsError(second.err)
			if !ok || e.Status != http.StatusConflict || e.Code != sdk.CodeInvalidRequest ||
				!strings.Contains(e.Description, "changed by another request") {
				t.Fatalf("the losing update: %v, want 409 invalid_request", second.err)
			}
			winner := decodeInfo(t, first.resp)
			h.store.set(func(s *hookStore) { s.onUpdate = nil })
			got, err := h.p.Read(t.Context(), manage(winner))
			if err != nil || decodeInfo(t, got).ClientName != winner.ClientName {
				t.Fatalf("stored: %v, want the winner's %q", err, winner.ClientName)
			}
		})
	}
}

// TestDeleteRacingUpdate: a delete and an update of one client that both
// read it before either writes. Whichever writes second loses: an update
// after the delete answers 401 (the client is gone, RFC 7592 §2.1); a
// delete after the update answers 409 and the client, updated, remains,
// deletable with the token the update answered.
func TestDeleteRacingUpdate(t *testing.T) {
	for _, first := range []string{"delete", "update"} {
		t.Run(first+" first", func(t *testing.T) {
			h := newHarness(t, sdk.RotateOnUpdate)
			c := h.register(t, "")
			g := newGate("delete", "update")
			h.store.set(func(s *hookStore) {
				s.onUpdate = func(ctx context.Context, _ sdk.Client) error { return g.wait(ctx, "update") }
				s.onDelete = func(ctx context.Context, _ string, _ int64) error { return g.wait(ctx, "delete") }
			})
			results := map[string]chan result{"delete": make(chan result, 1), "update": make(chan result, 1)}
			go func() {
				resp, err := h.p.Delete(t.Context(), manage(c))
				results["delete"] <- result{resp, err}
			}()
			go func() {
				resp, err := h.p.Update(t.Context(), updateRequest(c, "renamed"))
				results["update"] <- result{resp, err}
			}()
			g.awaitAll(t)
			second := map[string]string{"delete": "update", "update": "delete"}[first]
			close(g.release[first])
			won := <-results[first]
			close(g.release[second])
			lost := <-results[second]
			h.store.set(func(s *hookStore) { s.onUpdate, s.onDelete = nil, nil })
			if won.err != nil {
				t.Fatalf("the first write (%s): %v", first, won.err)
			}
			switch first {
			case "delete":
				if won.resp.Status != http.StatusNoContent || !errors.Is(lost.err, sdk.ErrInvalidToken()) || status(lost.err) != http.StatusUnauthorized {
					t.Fatalf("delete %d, update after it %v: want 204 and 401 invalid_token", won.resp.Status, lost.err)
				}
				if _, err := h.store.Get(t.Context(), c.ClientID); !errors.Is(err, sdk.ErrNotFound) {
					t.Fatalf("the client survived its delete: %v", err)
				}
			case "update":
				if !errors.Is(lost.err, errConcurrentUpdate) || status(lost.err) != http.StatusConflict {
					t.Fatalf("delete after the update: %v, want 409", lost.err)
				}
				updated := decodeInfo(t, won.resp)
				got, err := h.p.Read(t.Context(), manage(updated))
				if err != nil || decodeInfo(t, got).ClientName != "renamed" {
					t.Fatalf("the updated client: %v", err)
				}
				if resp, err := h.p.Delete(t.Context(), manage(updated)); err != nil || resp.Status != http.StatusNoContent {
					t.Fatalf("delete retried with the new token: %d %v", resp.Status, err)
				}
			}
		})
	}
}

// TestUpdateRenewsExpiredSecret: an RFC 7592 §2.2 update of a client whose
// secret has expired answers a new client_secret with a future
// client_secret_expires_at, and the store keeps the new secret's hash.
func TestUpdateRenewsExpiredSecret(t *testing.T) {
	h := newHarness(t, sdk.RotateNever)
	c := h.register(t, "")
	if c.ClientSecret == "" || c.ClientSecretExpiresAt == nil || *c.ClientSecretExpiresAt != h.now.Load()+60 {
		t.Fatalf("create: secret %t, expires %v", c.ClientSecret != "", c.ClientSecretExpiresAt)
	}
	h.now.Add(120) // the secret expired a minute ago
	resp, err := h.p.Update(t.Context(), updateRequest(c, "renamed"))
	if err != nil {
		t.Fatal(err)
	}
	got := decodeInfo(t, resp)
	if got.ClientSecret == "" || got.ClientSecret == c.ClientSecret {
		t.Fatalf("update answered client_secret %t (new: %t), want a new secret", got.ClientSecret != "", got.ClientSecret != c.ClientSecret)
	}
	if got.ClientSecretExpiresAt == nil || *got.ClientSecretExpiresAt != h.now.Load()+60 {
		t.Fatalf("client_secret_expires_at %v, want %d", got.ClientSecretExpiresAt, h.now.Load()+60)
	}
	if got.RegistrationAccessToken != c.RegistrationAccessToken {
		t.Error("rotation never: the presented token is not echoed")
	}
	stored, err := h.store.Get(t.Context(), c.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if !sdk.TokenMatches(got.ClientSecret, stored.SecretHash) || sdk.TokenMatches(c.ClientSecret, stored.SecretHash) {
		t.Error("the store does not hold the new secret's hash in place of the old one")
	}
	// A second update while the new secret lives keeps it.
	resp, err = h.p.Update(t.Context(), updateRequest(got, "again"))
	if err != nil {
		t.Fatal(err)
	}
	if again := decodeInfo(t, resp); again.ClientSecret != "" || *again.ClientSecretExpiresAt != *got.ClientSecretExpiresAt {
		t.Error("a live secret was replaced")
	}
}

// mutatingProcessor runs the built-in processor, then lets a test break its
// output, as a faulty processor plugin would.
type mutatingProcessor struct {
	mutate func(rc *sdk.RegistrationContext)
}

func (m mutatingProcessor) Process(ctx context.Context, rc sdk.RegistrationContext) (sdk.RegistrationContext, error) {
	out, err := sdk.DefaultProcessor{}.Process(ctx, rc)
	if err == nil && m.mutate != nil {
		m.mutate(&out)
	}
	return out, err
}

// TestProcessorOutputIsChecked: a processor whose output breaks the
// credential contract (a token or secret stored but not answered, or
// answered but not matching what is stored) gets an internal error, never
// a 201 or a 200 with credentials that do not work, and nothing is
// written; a new client always belongs to its caller's profile.
func TestProcessorOutputIsChecked(t *testing.T) {
	otherHash := sdk.HashToken("something else")
	tests := []struct {
		name     string
		op       string // "create", "update" or "read" (rotate on every use)
		body     string // the update's body; "" for updateRequest
		mutate   func(rc *sdk.RegistrationContext)
		wantOK   bool
		wantFail string // a part of the internal error
		// wantNoSecret: the stored client has no secret afterwards.
		wantNoSecret bool
	}{
		{name: "create, built-in", op: "create", wantOK: true},
		{name: "create, token hash not issued", op: "create", wantFail: "without issuing it",
			mutate: func(rc *sdk.RegistrationContext) { rc.Issued.RegistrationAccessToken = "" }},
		{name: "create, token does not match", op: "create", wantFail: "does not match the client's token hash",
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.RegistrationTokenHash = otherHash }},
		{name: "create, secret hash not issued", op: "create", wantFail: "client secret without issuing it",
			mutate: func(rc *sdk.RegistrationContext) { rc.Issued.ClientSecret = "" }},
		{name: "create, secret does not match", op: "create", wantFail: "does not match the client's secret hash",
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.SecretHash = otherHash }},
		{name: "create, secret issued without a hash", op: "create", wantFail: "does not match the client's secret hash",
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.SecretHash = "" }},
		{name: "create, redacted hash", op: "create", wantFail: "redacted",
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.SecretHash = sdk.RedactedHash }},
		{name: "create, profile changed is forced back", op: "create", wantOK: true,
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.Profile = "admin" }},
		{name: "update, built-in", op: "update", wantOK: true},
		{name: "update, token rotated without issuing it", op: "update", wantFail: "without issuing it",
			mutate: func(rc *sdk.RegistrationContext) { rc.Issued.RegistrationAccessToken = "" }},
		{name: "update, token does not match", op: "update", wantFail: "does not match the client's token hash",
			mutate: func(rc *sdk.RegistrationContext) { rc.Issued.RegistrationAccessToken = "forged" }},
		{name: "update, secret replaced without issuing it", op: "update", wantFail: "client secret without issuing it",
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.SecretHash = otherHash }},
		{name: "update, secret issued but not stored", op: "update", wantFail: "does not match the client's secret hash",
			mutate: func(rc *sdk.RegistrationContext) { rc.Issued.ClientSecret = "not stored" }},
		{name: "update, secret removed with the auth method", op: "update", wantOK: true, wantNoSecret: true,
			body: `{"redirect_uris":["https://app.example.com/cb"],"client_name":"app",` +
				`"token_endpoint_auth_method":"private_key_jwt","grant_types":["authorization_code"],` +
				`"jwks":{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}}`},
		{name: "read, token rotated without issuing it", op: "read", wantFail: "without issuing it",
			mutate: func(rc *sdk.RegistrationContext) { rc.Issued.RegistrationAccessToken = "" }},
		{name: "read, token does not match", op: "read", wantFail: "does not match the client's token hash",
			mutate: func(rc *sdk.RegistrationContext) { rc.Client.RegistrationTokenHash = otherHash }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rotation := sdk.RotateOnUpdate
			if tc.op == "read" {
				rotation = sdk.RotateOnEveryUse
			}
			h := newHarness(t, rotation)
			var c clientInfo
			if tc.op != "create" {
				c = h.register(t, "")
			}
			h.p.Processor = mutatingProcessor{tc.mutate}
			creates0, updates0, _ := h.store.counts()
			var resp sdk.Response
			var err error
			switch tc.op {
			case "create":
				resp, err = h.p.Register(t.Context(), Request{Body: []byte(webBody)})
			case "update":
				req := updateRequest(c, "renamed")
				if tc.body != "" {
					req.Body = []byte(`{"client_id":"` + c.ClientID + `",` + tc.body[1:])
				}
				resp, err = h.p.Update(t.Context(), req)
			case "read":
				resp, err = h.p.Read(t.Context(), manage(c))
			}
			creates, updates, _ := h.store.counts()
			if !tc.wantOK {
				if _, isOAuth := sdk.AsError(err); err == nil || isOAuth || !strings.Contains(err.Error(), tc.wantFail) {
					t.Fatalf("got %d %v, want an internal error containing %q", resp.Status, err, tc.wantFail)
				}
				if creates != creates0 || updates != updates0 {
					t.Errorf("a refused processor output was written: creates %d→%d, updates %d→%d", creates0, creates, updates0, updates)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want success", err)
			}
			got := decodeInfo(t, resp)
			stored, err := h.store.Get(t.Context(), got.ClientID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Profile != "p" {
				t.Errorf("stored profile %q, want the caller's %q", stored.Profile, "p")
			}
			if !sdk.TokenMatches(got.RegistrationAccessToken, stored.RegistrationTokenHash) {
				t.Error("the answered registration access token does not match the stored hash")
			}
			if tc.op == "create" && !sdk.TokenMatches(got.ClientSecret, stored.SecretHash) {
				t.Error("the answered client secret does not match the stored hash")
			}
			if tc.wantNoSecret && (stored.SecretHash != "" || got.ClientSecret != "") {
				t.Error("the secret was not removed with the auth method that used it")
			}
		})
	}
}

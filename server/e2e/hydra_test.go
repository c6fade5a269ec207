package e2e

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/internal/hydratest"
)

// Metadata of the clients the tests register.
func confidentialClient() map[string]any {
	return map[string]any{
		"client_name":                "e2e service",
		"grant_types":                []string{"client_credentials"},
		"response_types":             []string{},
		"token_endpoint_auth_method": "client_secret_basic",
		"scope":                      "api",
	}
}

func nativeClient(redirects ...string) map[string]any {
	return map[string]any{
		"client_name":                "e2e native app",
		"application_type":           "native",
		"redirect_uris":              redirects,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
		"scope":                      "openid offline_access",
	}
}

// world is one test's Hydra, the proxy in front of its admin API and a
// Registrar provisioning into it.
type world struct {
	hydra *hydratest.Server
	proxy *adminProxy
	reg   *registrar
}

func newWorld(t *testing.T, s setup, opts ...hydratest.Option) *world {
	t.Helper()
	opts = append([]hydratest.Option{hydratest.WithLoginURL("http://127.0.0.1:9/login"),
		hydratest.WithConsentURL("http://127.0.0.1:9/consent")}, opts...)
	h := hydratest.Start(t, opts...)
	p := newAdminProxy(t, h)
	r := newRegistrar(t, p, s)
	r.start()
	return &world{hydra: h, proxy: p, reg: r}
}

// TestRegisteredClientIsUsable: a 201 means usable. With the credentials
// of the 201, a confidential client gets a client_credentials token from
// Hydra, and a public native client completes an authorization code flow
// with PKCE S256 on a loopback redirect URI (RFC 8252). Neither the client
// secret nor the registration access token reaches Registrar's log, nor
// does the admin token.
func TestRegisteredClientIsUsable(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := t.Context()

	conf := w.reg.register(confidentialClient())
	secret := conf.str("client_secret")
	if secret == "" {
		t.Fatalf("no client_secret in %v", conf.Body)
	}
	tok, err := w.hydra.ClientCredentials(ctx, conf.str("client_id"), secret, "api")
	if err != nil || !tok.OK() {
		t.Fatalf("client_credentials at Hydra with the 201's credentials: %v %d %v", err, tok.Status, tok.Body)
	}
	c, ok, err := w.hydra.Client(ctx, conf.str("client_id"))
	if err != nil || !ok {
		t.Fatalf("Hydra has no client %s: %v", conf.str("client_id"), err)
	}
	if c["client_name"] != "e2e service" || c["token_endpoint_auth_method"] != "client_secret_basic" {
		t.Errorf("Hydra holds %v", c)
	}

	const redirect = "http://127.0.0.1:8765/callback"
	native := w.reg.register(nativeClient(redirect))
	if native.str("client_secret") != "" {
		t.Fatal("a public client got a secret")
	}
	tok, err = w.hydra.AuthorizationCode(ctx, hydratest.CodeFlow{ClientID: native.str("client_id"),
		RedirectURI: redirect, Scope: "openid offline_access"})
	if err != nil || !tok.OK() {
		t.Fatalf("code flow with PKCE at Hydra: %v %d %v", err, tok.Status, tok.Body)
	}
	if _, ok := tok.Body["refresh_token"].(string); !ok {
		t.Errorf("no refresh token for offline_access: %v", tok.Body)
	}
	noSecretsLogged(t, w.reg.logs.String(), secret, conf.str("registration_access_token"),
		native.str("registration_access_token"), w.proxy.Token)
}

// TestRefusedRegistrationLeavesNothing: when Hydra refuses a client that
// Registrar's policy accepts (here a pairwise subject type, which Hydra
// is not configured for), the answer is an RFC 7591 error that does not
// quote Hydra, and neither side keeps a client.
func TestRefusedRegistrationLeavesNothing(t *testing.T) {
	w := newWorld(t, setup{})
	md := nativeClient("http://127.0.0.1:8765/callback")
	md["subject_type"] = "pairwise"
	a := w.reg.do(http.MethodPost, "/connect/dcr", "", md)
	if a.Status != http.StatusBadRequest || a.str("error") != "invalid_client_metadata" {
		t.Fatalf("answer %d %v, want 400 invalid_client_metadata", a.Status, a.Body)
	}
	w.proxy.mu.Lock()
	writes := w.proxy.writes
	w.proxy.mu.Unlock()
	if writes != 1 {
		t.Fatalf("%d writes reached Hydra; want the create Hydra refused", writes)
	}
	if d := a.str("error_description"); !strings.HasPrefix(d, "subject_type") {
		t.Errorf("error_description %q does not name the field first", d)
	}
	if n := w.reg.storedClients(); n != 0 {
		t.Errorf("%d clients stored locally after the refusal", n)
	}
	if ids := hydraClients(t, w.hydra); len(ids) != 0 {
		t.Errorf("Hydra holds %v after the refusal", ids)
	}
}

// TestLocalFailureRemovesUpstreamClient: when the local store fails after
// Hydra accepted the client, the Hydra client is deleted again
// (compensation) and the answer is 503. The store is the test plugin's,
// which fails the create of a client with a given name.
func TestLocalFailureRemovesUpstreamClient(t *testing.T) {
	w := newWorld(t, setup{
		store: `store "plugin" { plugin = "testplugin" }`,
		extra: `plugin "testplugin" {
  path   = "` + binaries.testPlugin + `"
  sha256 = "` + sum(t, binaries.testPlugin) + `"
  env    = {}
}`,
	})
	md := confidentialClient()
	md["client_name"] = storeFailsName
	a := w.reg.do(http.MethodPost, "/connect/dcr", "", md)
	if a.Status != http.StatusServiceUnavailable || a.str("error") != "temporarily_unavailable" || a.Header.Get("Retry-After") == "" {
		t.Fatalf("answer %d %v (Retry-After %q), want 503 temporarily_unavailable with Retry-After", a.Status, a.Body, a.Header.Get("Retry-After"))
	}
	w.proxy.mu.Lock()
	writes := w.proxy.writes
	w.proxy.mu.Unlock()
	if writes < 2 {
		t.Fatalf("%d writes reached Hydra; want its create and the compensating delete", writes)
	}
	if ids := hydraClients(t, w.hydra); len(ids) != 0 {
		t.Fatalf("Hydra still holds %v after the local store failed", ids)
	}
	// Registrar still works: the next registration is usable.
	ok := w.reg.register(confidentialClient())
	if !hydraHas(t, w.hydra, ok.str("client_id")) {
		t.Fatal("the next registration did not reach Hydra")
	}
}

// storeFailsName is the client name for which the test plugin's store
// fails a create (testimpl.StoreFailsClientName).
const storeFailsName = "testplugin: store fails"

// TestUpdateReachesUpstream: an RFC 7592 PUT changes the client in Hydra.
// A redirect URI the update removed is refused by Hydra's authorization
// endpoint afterwards; a secret issued by an update (on expiry, or because
// the auth method now needs one) works at Hydra and the old one does not.
func TestUpdateReachesUpstream(t *testing.T) {
	w := newWorld(t, setup{policy: `    client_secret_lifetime = "2s"`})
	ctx := t.Context()

	const keep, drop = "http://127.0.0.1:8765/keep", "http://127.0.0.1:8765/drop"
	native := w.reg.register(nativeClient(keep, drop))
	flow := func(redirect string) error {
		tok, err := w.hydra.AuthorizationCode(ctx, hydratest.CodeFlow{ClientID: native.str("client_id"),
			RedirectURI: redirect, Scope: "openid"})
		if err == nil && !tok.OK() {
			err = errors.New("token refused: " + tok.Error())
		}
		return err
	}
	if err := flow(drop); err != nil {
		t.Fatalf("before the update: %v", err)
	}
	up := w.reg.update(native, nativeClient(keep))
	if up.Status != http.StatusOK {
		t.Fatalf("update: %d %v", up.Status, up.Body)
	}
	var refused *hydratest.AuthorizeError
	if err := flow(drop); !errors.As(err, &refused) {
		t.Fatalf("Hydra still accepts the removed redirect URI: %v", err)
	}
	if err := flow(keep); err != nil {
		t.Fatalf("the kept redirect URI: %v", err)
	}

	// A secret past client_secret_expires_at is replaced by the update.
	conf := w.reg.register(confidentialClient())
	old := conf.str("client_secret")
	time.Sleep(time.Until(time.Unix(int64(conf.Body["client_secret_expires_at"].(float64))+1, 0)))
	up = w.reg.update(conf, confidentialClient())
	renewed := up.str("client_secret")
	if up.Status != http.StatusOK || renewed == "" || renewed == old {
		t.Fatalf("update of an expired secret: %d %v", up.Status, up.Body)
	}
	if tok, err := w.hydra.ClientCredentials(ctx, conf.str("client_id"), renewed, "api"); err != nil || !tok.OK() {
		t.Fatalf("the renewed secret at Hydra: %v %v", err, tok.Body)
	}
	if tok, err := w.hydra.ClientCredentials(ctx, conf.str("client_id"), old, "api"); err != nil || tok.OK() {
		t.Fatalf("the old secret still works at Hydra: %v %v", err, tok.Body)
	}

	// A public client that becomes confidential gets a secret that works.
	pub := w.reg.register(nativeClient(keep))
	md := confidentialClient()
	md["grant_types"] = []string{"client_credentials", "authorization_code"}
	md["response_types"] = []string{"code"}
	md["redirect_uris"] = []string{keep}
	md["application_type"] = "native"
	up = w.reg.update(pub, md)
	if up.Status != http.StatusOK || up.str("client_secret") == "" {
		t.Fatalf("update to client_secret_basic: %d %v", up.Status, up.Body)
	}
	if tok, err := w.hydra.ClientCredentials(ctx, pub.str("client_id"), up.str("client_secret"), "api"); err != nil || !tok.OK() {
		t.Fatalf("the newly issued secret at Hydra: %v %v", err, tok.Body)
	}
	noSecretsLogged(t, w.reg.logs.String(), old, renewed, up.str("client_secret"))
}

// TestDeleteNeverLeavesUpstreamAlive: after a 204 Hydra refuses the
// client's credentials. When Hydra cannot delete, the answer is 503 with
// Retry-After, the registration stays manageable, and the client's retry
// succeeds once Hydra is back.
func TestDeleteNeverLeavesUpstreamAlive(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := t.Context()
	a := w.reg.register(confidentialClient())
	if d := w.reg.delete(a); d.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %v", d.Status, d.Body)
	}
	if tok, err := w.hydra.ClientCredentials(ctx, a.str("client_id"), a.str("client_secret"), "api"); err != nil || tok.OK() || tok.Error() != "invalid_client" {
		t.Fatalf("Hydra after the 204: %v %d %v, want invalid_client", err, tok.Status, tok.Body)
	}

	b := w.reg.register(confidentialClient())
	w.proxy.setDown(true)
	d := w.reg.delete(b)
	if d.Status != http.StatusServiceUnavailable || d.str("error") != "temporarily_unavailable" || d.Header.Get("Retry-After") == "" {
		t.Fatalf("delete with Hydra unreachable: %d %v (Retry-After %q)", d.Status, d.Body, d.Header.Get("Retry-After"))
	}
	if rd := w.reg.read(b); rd.Status != http.StatusOK {
		t.Fatalf("the registration is not manageable after the failed delete: %d %v", rd.Status, rd.Body)
	}
	if tok, err := w.hydra.ClientCredentials(ctx, b.str("client_id"), b.str("client_secret"), "api"); err != nil || !tok.OK() {
		t.Fatalf("the client was half-deleted: Hydra refuses it while Registrar keeps it: %v %v", err, tok.Body)
	}
	w.proxy.setDown(false)
	if d := w.reg.delete(b); d.Status != http.StatusNoContent {
		t.Fatalf("retried delete: %d %v", d.Status, d.Body)
	}
	if hydraHas(t, w.hydra, b.str("client_id")) || w.reg.storedClients() != 0 {
		t.Fatal("the retried delete left a client behind")
	}

	// The operator's `registrar client delete` takes the same order: Hydra
	// first; when Hydra cannot delete, the registration is kept.
	c := w.reg.register(confidentialClient())
	w.proxy.setDown(true)
	if out, code := w.reg.cli("client", "delete", "-config", w.reg.config, "--", c.str("client_id")); code != 1 || w.reg.storedClients() != 1 {
		t.Fatalf("client delete with Hydra unreachable: exit %d, %d stored:\n%s", code, w.reg.storedClients(), out)
	}
	w.proxy.setDown(false)
	if out, code := w.reg.cli("client", "delete", "-config", w.reg.config, "--", c.str("client_id")); code != 0 {
		t.Fatalf("client delete: exit %d:\n%s", code, out)
	}
	if hydraHas(t, w.hydra, c.str("client_id")) || w.reg.storedClients() != 0 {
		t.Fatal("registrar client delete left a client behind")
	}
}

// TestUpstreamDown: with Hydra's admin API unreachable a registration is
// answered 503 with Retry-After and leaves nothing on either side, and
// /readyz fails naming the upstream; both recover when it is back.
func TestUpstreamDown(t *testing.T) {
	w := newWorld(t, setup{})
	w.proxy.setDown(true)
	a := w.reg.do(http.MethodPost, "/connect/dcr", "", confidentialClient())
	if a.Status != http.StatusServiceUnavailable || a.str("error") != "temporarily_unavailable" || a.Header.Get("Retry-After") == "" {
		t.Fatalf("register with Hydra down: %d %v (Retry-After %q)", a.Status, a.Body, a.Header.Get("Retry-After"))
	}
	if n := w.reg.storedClients(); n != 0 {
		t.Fatalf("%d clients stored while Hydra was down", n)
	}
	waitReady(t, w.reg, http.StatusServiceUnavailable, "upstream")
	w.proxy.setDown(false)
	waitReady(t, w.reg, http.StatusOK, "")
	w.reg.register(confidentialClient())
	if ids := hydraClients(t, w.hydra); len(ids) != 1 {
		t.Fatalf("Hydra holds %v, want the one client registered after recovery", ids)
	}
}

// waitReady polls /readyz until it answers status; with status 503 the
// check named unavailable must be among the failed ones.
func waitReady(t *testing.T, r *registrar, status int, unavailable string) {
	t.Helper()
	var last answer
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		last = r.do(http.MethodGet, "/readyz", "", nil)
		if last.Status != status {
			continue
		}
		if unavailable == "" {
			return
		}
		checks, _ := last.Body["checks"].(map[string]any)
		if checks[unavailable] == "unavailable" {
			return
		}
	}
	t.Fatalf("/readyz: %d %v, want %d naming %q", last.Status, last.Body, status, unavailable)
}

// TestCrashBetweenWritesConverges kills `registrar serve` between its two
// writes: after Hydra accepted a create and before the local store wrote
// it, and after Hydra deleted a client and before the local delete.
// `registrar reconcile` reports each divergence without acting, and with
// -apply repairs it: the orphan Hydra client is deleted, the registration
// whose Hydra client is gone is removed.
func TestCrashBetweenWritesConverges(t *testing.T) {
	w := newWorld(t, setup{})
	ctx := context.Background()

	kept := w.reg.register(confidentialClient()) // in sync: reconcile leaves it alone

	// A crash during a create.
	killed := killAfter(w, http.MethodPost, http.StatusCreated)
	if a := w.reg.do(http.MethodPost, "/connect/dcr", "", confidentialClient()); a.Err == nil {
		t.Fatalf("the server answered %d although it was killed", a.Status)
	}
	<-killed
	ids := hydraClients(t, w.hydra)
	orphan := ""
	for _, id := range ids {
		if id != kept.str("client_id") {
			orphan = id
		}
	}
	if len(ids) != 2 || orphan == "" || w.reg.storedClients() != 1 {
		t.Fatalf("after the crash Hydra holds %v and Registrar %d clients; want an orphan in Hydra", ids, w.reg.storedClients())
	}

	out, code := w.reg.cli("reconcile", "-config", w.reg.config, "-grace", "0s")
	if !strings.Contains(out, orphan) || code == 0 && !strings.Contains(out, "would") {
		t.Fatalf("dry run (exit %d) does not report the orphan %s:\n%s", code, orphan, out)
	}
	if !hydraHas(t, w.hydra, orphan) {
		t.Fatal("the dry run deleted the orphan")
	}
	if strings.Contains(out, kept.str("client_id")) {
		t.Errorf("the dry run reports the client in sync:\n%s", out)
	}
	out, code = w.reg.cli("reconcile", "-config", w.reg.config, "-grace", "0s", "-apply")
	if code != 0 || hydraHas(t, w.hydra, orphan) {
		t.Fatalf("reconcile -apply (exit %d) left the orphan:\n%s", code, out)
	}

	// A crash during a delete.
	w.reg.start()
	doomed := w.reg.register(confidentialClient())
	killed = killAfter(w, http.MethodDelete, http.StatusNoContent)
	if d := w.reg.delete(doomed); d.Err == nil {
		t.Fatalf("the server answered %d although it was killed", d.Status)
	}
	<-killed
	if hydraHas(t, w.hydra, doomed.str("client_id")) || w.reg.storedClients() != 2 {
		t.Fatalf("after the crash: Hydra has the client %v, Registrar %d clients", hydraHas(t, w.hydra, doomed.str("client_id")), w.reg.storedClients())
	}
	out, code = w.reg.cli("reconcile", "-config", w.reg.config, "-grace", "0s", "-apply")
	if code != 0 || w.reg.storedClients() != 1 {
		t.Fatalf("reconcile -apply (exit %d) left the registration without a Hydra client:\n%s", code, out)
	}
	// In sync now: a dry run finds nothing, and the kept client works.
	out, code = w.reg.cli("reconcile", "-config", w.reg.config, "-grace", "0s")
	if code != 0 || strings.Contains(out, "would") {
		t.Fatalf("a dry run after repair (exit %d):\n%s", code, out)
	}
	if tok, err := w.hydra.ClientCredentials(ctx, kept.str("client_id"), kept.str("client_secret"), "api"); err != nil || !tok.OK() {
		t.Fatalf("the client in sync stopped working: %v %v", err, tok.Body)
	}
	if slices.Contains(hydraClients(t, w.hydra), doomed.str("client_id")) {
		t.Fatal("the deleted client came back")
	}
}

// killAfter kills Registrar (SIGKILL) when Hydra answered a write of
// method with status, before the answer reaches Registrar: a crash between
// Registrar's two writes. The channel is closed once it is dead and the
// hook removed.
func killAfter(w *world, method string, status int) <-chan struct{} {
	done := make(chan struct{})
	var once sync.Once
	w.proxy.onWrite(func(m, _ string, st int) {
		if m == method && st == status {
			once.Do(func() {
				w.reg.kill()
				w.proxy.onWrite(nil) // the hook runs outside the proxy's lock
				close(done)
			})
		}
	})
	return done
}

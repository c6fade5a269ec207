package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/registrar-dcr/registrar/sdk"
	"github.com/registrar-dcr/registrar/server/config"
	"github.com/registrar-dcr/registrar/server/reconcile"
	"github.com/registrar-dcr/registrar/server/reconcile/reconciletest"
	"github.com/registrar-dcr/registrar/server/stores/memory"
	"github.com/registrar-dcr/registrar/server/stores/sqlite"
)

var reconcileNow = time.Unix(1_700_000_000, 0)

const reconcileSecret = "s3cr3t-of-the-reconcile-cli-test"

// reconcileWorld is a store and an upstream with one divergence of each
// kind and one client in sync: "a-orphan" upstream only, created 12m
// before reconcileNow; "b-public" and "c-confidential" local only (the
// latter with a secret); "d-stale" at revision 2 locally and 1 upstream;
// "e-young" upstream only, created 1m before; "f-sync" in sync.
func reconcileWorld(t *testing.T, s sdk.ClientStore) *reconciletest.Upstream {
	t.Helper()
	ctx := context.Background()
	for _, c := range []sdk.Client{
		{ID: "b-public", Profile: "default"},
		{ID: "c-confidential", Profile: "default", SecretHash: sdk.HashToken(reconcileSecret)},
		{ID: "d-stale", Profile: "default"},
		{ID: "f-sync", Profile: "default"},
	} {
		c, err := s.Create(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == "d-stale" {
			if _, err := s.Update(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	up := reconciletest.New()
	up.Put(reconciletest.Client{ID: "a-orphan", Revision: 1, CreatedAt: reconcileNow.Add(-12 * time.Minute).Unix()})
	up.Put(reconciletest.Client{ID: "d-stale", Revision: 1, CreatedAt: reconcileNow.Add(-time.Hour).Unix()})
	up.Put(reconciletest.Client{ID: "e-young", Revision: 1, CreatedAt: reconcileNow.Add(-time.Minute).Unix()})
	up.Put(reconciletest.Client{ID: "f-sync", Revision: 1, CreatedAt: reconcileNow.Add(-time.Hour).Unix()})
	up.Put(reconciletest.Client{ID: "g-theirs", Owner: "another", CreatedAt: reconcileNow.Add(-time.Hour).Unix()})
	return up
}

// TestRunReconcile: registrar reconcile's output and exit status. A dry
// run prints one "would ..." line per repair, a "leave ..." line per
// client left as it is, and exits 3, changing nothing; -apply prints each
// result and exits 0; a dry run then exits 0 with only the waiting client
// printed. A failed repair makes -apply exit 1, and so does a client left
// for review; a comparison that cannot be made exits 1. No line shows the
// secret or its hash.
func TestRunReconcile(t *testing.T) {
	ctx := context.Background()
	opt := reconcile.Options{Grace: 5 * time.Minute, MaxDeletes: reconcile.DefaultMaxDeletes}
	run := func(up sdk.Upstream, s sdk.ClientStore, opt reconcile.Options, apply bool) (string, string, int) {
		var out, errOut bytes.Buffer
		code := runReconcile(ctx, &out, &errOut, up, s, reconcileNow, opt, apply)
		for _, secret := range []string{reconcileSecret, sdk.HashToken(reconcileSecret)} {
			if strings.Contains(out.String()+errOut.String(), secret) {
				t.Errorf("the output shows a secret or its hash:\n%s%s", out.String(), errOut.String())
			}
		}
		return out.String(), errOut.String(), code
	}

	t.Run("dry run, then apply, then in sync", func(t *testing.T) {
		s := memory.New()
		up := reconcileWorld(t, s)
		out, errOut, code := run(up, s, opt, false)
		want := `would delete upstream client a-orphan: no local registration (created 12m ago)
would create upstream client b-public: no upstream client; the local registration has no client secret, so it is provisioned again whole
would delete local registration c-confidential: no upstream client, and its client secret cannot be provisioned again (Registrar keeps only its hash): the authorization server does not know this client, so it cannot sign in; once its registration is deleted it can register again
would update upstream client d-stale: the upstream client holds revision 1, the local registration is at 2
leave client e-young: upstream client without local registration yet (created 1m ago, within the grace period of 5m): its registration may be in flight
`
		if code != exitDivergent || sortedLines(out) != sortedLines(want) {
			t.Errorf("dry run: exit %d, output:\n%s\nwant exit %d and:\n%s", code, out, exitDivergent, want)
		}
		if !strings.Contains(errOut, "dry run: 4 to repair, 1 waiting for the grace period, 0 to review (-apply repairs)") {
			t.Errorf("dry run summary: %q", errOut)
		}
		if c := up.Calls(); len(c) != 0 {
			t.Errorf("the dry run wrote upstream: %v", c)
		}
		if n, _ := s.CountClients(ctx, "default"); n != 4 {
			t.Errorf("the dry run changed the store: %d clients", n)
		}

		out, errOut, code = run(up, s, opt, true)
		want = `deleted upstream client a-orphan: no local registration (created 12m ago)
created upstream client b-public: no upstream client; the local registration has no client secret, so it is provisioned again whole
deleted local registration c-confidential: no upstream client, and its client secret cannot be provisioned again (Registrar keeps only its hash): the authorization server does not know this client, so it cannot sign in; once its registration is deleted it can register again
updated upstream client d-stale: the upstream client holds revision 1, the local registration is at 2
left client e-young: upstream client without local registration yet (created 1m ago, within the grace period of 5m): its registration may be in flight
`
		if code != 0 || sortedLines(out) != sortedLines(want) {
			t.Errorf("apply: exit %d, output:\n%s\nwant exit 0 and:\n%s", code, out, want)
		}
		if !strings.Contains(errOut, "4 repaired, 0 skipped (changed since the plan), 0 failed, 1 waiting for the grace period, 0 to review") {
			t.Errorf("apply summary: %q", errOut)
		}

		out, _, code = run(up, s, opt, false)
		if code != 0 || strings.Contains(out, "would") || !strings.Contains(out, "leave client e-young") {
			t.Errorf("dry run after apply: exit %d, output:\n%s", code, out)
		}
	})

	t.Run("a failed repair exits 1 after the others are made", func(t *testing.T) {
		s := memory.New()
		up := reconcileWorld(t, s)
		up.Fail("delete", "a-orphan", fmt.Errorf("%w: the authorization server is down", sdk.ErrUnavailable))
		out, errOut, code := run(up, s, opt, true)
		if code != 1 || !strings.Contains(out, "failed to delete upstream client a-orphan: registrar: unavailable: the authorization server is down") ||
			!strings.Contains(out, "updated upstream client d-stale") || !strings.Contains(errOut, "3 repaired, 0 skipped (changed since the plan), 1 failed") {
			t.Errorf("exit %d, output:\n%s%s", code, out, errOut)
		}
	})

	t.Run("left for review: a dry run exits 3, -apply exits 1", func(t *testing.T) {
		s := memory.New()
		up := reconcileWorld(t, s)
		few := opt
		few.MaxDeletes = 1
		out, errOut, code := run(up, s, few, false)
		if code != exitDivergent || !strings.Contains(out, "leave client a-orphan: not deleted: 2 deletions planned, more than the limit of 1") ||
			!strings.Contains(errOut, "2 to repair, 1 waiting for the grace period, 2 to review") {
			t.Errorf("dry run: exit %d, output:\n%s%s", code, out, errOut)
		}
		if out, errOut, code = run(up, s, few, true); code != 1 || !strings.Contains(errOut, "2 to review") {
			t.Errorf("apply: exit %d, output:\n%s%s", code, out, errOut)
		}
	})

	t.Run("the comparison cannot be made", func(t *testing.T) {
		s := memory.New()
		up := reconcileWorld(t, s)
		up.Fail("list", "", fmt.Errorf("%w: down", sdk.ErrUnavailable))
		for _, apply := range []bool{false, true} {
			out, errOut, code := run(up, s, opt, apply)
			if code != 1 || out != "" || !strings.Contains(errOut, "list the upstream clients") {
				t.Errorf("apply %v: exit %d, output:\n%s%s", apply, code, out, errOut)
			}
		}
		if _, errOut, code := run(up, struct{ sdk.ClientStore }{s}, opt, false); code != 1 || !strings.Contains(errOut, "can list its clients") {
			t.Errorf("a store that cannot list: exit %d, %q", code, errOut)
		}
	})
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestReconcileCommand: registrar reconcile opens the configured store
// (SQLite here) and upstream, and a dry run leaves both as they were;
// -apply repairs. Flags it does not know, arguments and a negative grace
// are usage errors (2); a memory store, which this command would see
// empty, a store that cannot be opened and a missing upstream exit 1.
func TestReconcileCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "registrar.db")
	s, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	up := reconcileWorld(t, s)
	s.Close()
	path := filepath.Join(dir, "config.hcl")
	cfg := fmt.Sprintf(strings.Replace(validReconcileConfig, `store "memory" {}`, `store "sqlite" { path = %q }`, 1), db)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	memPath := filepath.Join(dir, "memory.hcl")
	if err := os.WriteFile(memPath, []byte(validReconcileConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	main := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"reconcile"}, args...), &out, &errOut)
		return out.String(), errOut.String(), code
	}

	if _, errOut, code := main("-config", path); code != 1 || !strings.Contains(errOut, "cannot open the upstream: the configuration has no upstream block") {
		t.Errorf("without an upstream: exit %d, %q", code, errOut)
	}

	opened := 0
	defer func(f func(context.Context, *config.Config, hclog.Logger) (sdk.Upstream, io.Closer, error)) {
		openUpstream = f
	}(openUpstream)
	openUpstream = func(context.Context, *config.Config, hclog.Logger) (sdk.Upstream, io.Closer, error) {
		opened++
		return up, io.NopCloser(nil), nil
	}
	// The world's ages are relative to reconcileNow, long past: every
	// orphan is old by now.
	out, errOut, code := main("-config", path)
	if code != exitDivergent || !strings.Contains(out, "would delete upstream client a-orphan") ||
		!strings.Contains(out, "would delete upstream client e-young") || !strings.Contains(out, "would delete local registration c-confidential") {
		t.Errorf("dry run: exit %d, output:\n%s%s", code, out, errOut)
	}
	if c := up.Calls(); len(c) != 0 {
		t.Errorf("the dry run wrote upstream: %v", c)
	}
	if out, errOut, code := main("-config", path, "-grace", "876000h"); code != exitDivergent || !strings.Contains(out, "leave client a-orphan") {
		t.Errorf("a long grace: exit %d, output:\n%s%s", code, out, errOut)
	}
	// Over the limit, no deletion is made; the other repairs are.
	if out, errOut, code := main("-config", path, "-apply", "-max-deletes", "2"); code != 1 || strings.Contains("\n"+out, "\ndeleted") ||
		!strings.Contains(out, "updated upstream client d-stale") || !strings.Contains(errOut, "3 to review") {
		t.Errorf("apply over -max-deletes: exit %d, output:\n%s%s", code, out, errOut)
	}
	if _, ok := up.Get("a-orphan"); !ok {
		t.Error("an orphan was deleted over -max-deletes")
	}
	out, errOut, code = main("-config", path, "-apply")
	if code != 0 || !strings.Contains(out, "deleted local registration c-confidential") || !strings.Contains(out, "deleted upstream client a-orphan") {
		t.Errorf("apply: exit %d, output:\n%s%s", code, out, errOut)
	}
	if out, errOut, code := main("-config", path); code != 0 || out != "" {
		t.Errorf("dry run after apply: exit %d, output:\n%s%s", code, out, errOut)
	}
	if opened != 5 {
		t.Errorf("the upstream was opened %d times, want 5", opened)
	}

	// The grace period is the upstream block's reconcile_grace unless
	// -grace is given.
	if err := os.WriteFile(filepath.Join(dir, "p"), []byte("#!/bin/sh\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	upPath := filepath.Join(dir, "upstream.hcl")
	upCfg := "plugin \"p\" {\n  path = \"p\"\n  dev_mode = true\n}\n" + cfg + "upstream \"plugin\" {\n  plugin = \"p\"\n  reconcile_grace = \"876000h\"\n}\n"
	if err := os.WriteFile(upPath, []byte(upCfg), 0o600); err != nil {
		t.Fatal(err)
	}
	up.Put(reconciletest.Client{ID: "h-orphan", Revision: 1, CreatedAt: reconcileNow.Unix()})
	if out, errOut, code := main("-config", upPath); code != 0 || !strings.Contains(out, "leave client h-orphan") {
		t.Errorf("reconcile_grace: exit %d, output:\n%s%s", code, out, errOut)
	}
	if out, errOut, code := main("-config", upPath, "-grace", "0s"); code != exitDivergent || !strings.Contains(out, "would delete upstream client h-orphan") {
		t.Errorf("-grace over reconcile_grace: exit %d, output:\n%s%s", code, out, errOut)
	}
	opened -= 2

	for _, args := range [][]string{
		{"-config", path, "extra"},
		{"-config", path, "-grace", "-1m"},
		{"-config", path, "-no-such-flag"},
	} {
		if _, errOut, code := main(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%q)", args, code, errOut)
		}
	}
	if _, errOut, code := main("-config", memPath); code != 1 || !strings.Contains(errOut, `the store is "memory"`) {
		t.Errorf("memory store: exit %d, %q", code, errOut)
	}
	if _, errOut, code := main("-config", filepath.Join(dir, "missing.hcl")); code != 1 || errOut == "" {
		t.Errorf("missing configuration: exit %d, %q", code, errOut)
	}
	if opened != 5 {
		t.Errorf("the upstream was opened for a refused command")
	}
	if out, errOut, code := main("-help"); code != 0 || !strings.Contains(out+errOut, "Exit status") {
		t.Errorf("-help: exit %d, %q", code, out+errOut)
	}
}

const validReconcileConfig = `server {
  listen = "127.0.0.1:8080"
}
store "memory" {}
profile "default" {
  authentication {
    anonymous = true
  }
  policy {
    grant_types    = ["authorization_code"]
    response_types = ["code"]
    token_endpoint_auth_methods = ["client_secret_basic", "none"]
    scopes         = ["openid"]
    default_scope  = "openid"
  }
}
`

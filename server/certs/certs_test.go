package certs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/registrar-dcr/registrar/internal/testcerts"
	"github.com/registrar-dcr/registrar/server/certs"
)

func serial(t *testing.T, r *certs.Reloader) int64 {
	t.Helper()
	c, err := r.GetCertificate(nil)
	if err != nil || c == nil || c.Leaf == nil {
		t.Fatalf("GetCertificate: %v", err)
	}
	return c.Leaf.SerialNumber.Int64()
}

// TestReloader: the certificate is loaded at New, again on Reload and when
// Watch sees the files change; a certificate whose key has not been
// written yet does not load, and the previous one stays until it does.
func TestReloader(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	ca := testcerts.NewCA(t)
	ca.WriteLeaf(t, 1, certFile, keyFile)
	r, err := certs.New(certFile, keyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := serial(t, r); s != 1 {
		t.Fatalf("serial %d, want 1", s)
	}

	// Reload (SIGHUP).
	ca.WriteLeaf(t, 2, certFile, keyFile)
	if err := r.Reload(); err != nil || serial(t, r) != 2 {
		t.Fatalf("Reload: %v, serial %d", err, serial(t, r))
	}

	// Watch: the certificate first, its key a moment later.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Watch(ctx, 10*time.Millisecond)
	c3, k3 := ca.Leaf(t, 3)
	testcerts.Write(t, certFile, c3)
	time.Sleep(100 * time.Millisecond)
	if s := serial(t, r); s != 2 {
		t.Fatalf("a certificate without its key was loaded: serial %d", s)
	}
	testcerts.Write(t, keyFile, k3)
	deadline := time.Now().Add(5 * time.Second)
	for serial(t, r) != 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := serial(t, r); s != 3 {
		t.Fatalf("Watch did not load the new pair: serial %d", s)
	}

	// A pair that does not load at New is an error.
	testcerts.Write(t, keyFile, []byte("not a key"))
	if _, err := certs.New(certFile, keyFile, nil); err == nil {
		t.Fatal("New loaded a broken pair")
	}
}

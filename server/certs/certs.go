package certs

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// DefaultInterval is how often Watch looks at the files.
const DefaultInterval = 5 * time.Second

// Reloader holds a listener's certificate. It is safe for concurrent use.
type Reloader struct {
	certFile, keyFile string
	log               hclog.Logger

	cur atomic.Pointer[tls.Certificate]

	mu    sync.Mutex // serializes loads
	stamp string     // size and modification time of the files last loaded
}

// New loads the certificate chain and key (PEM) and returns their
// Reloader; an error when they do not load as a pair.
func New(certFile, keyFile string, log hclog.Logger) (*Reloader, error) {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	r := &Reloader{certFile: certFile, keyFile: keyFile, log: log}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// GetCertificate is tls.Config.GetCertificate: the certificate last loaded.
func (r *Reloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cur.Load(), nil
}

// Reload loads the files again. On error the previous certificate stays
// and the error is returned; it never holds key material.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamp, err := r.stampOf()
	if err != nil {
		return err
	}
	return r.loadLocked(stamp)
}

func (r *Reloader) loadLocked(stamp string) error {
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("certs: load %s and %s: %w", r.certFile, r.keyFile, err)
	}
	r.cur.Store(&cert)
	r.stamp = stamp
	if cert.Leaf != nil {
		r.log.Info("TLS certificate loaded", "subject", cert.Leaf.Subject.String(),
			"serial", cert.Leaf.SerialNumber.String(), "not_after", cert.Leaf.NotAfter.UTC())
	}
	return nil
}

// stampOf is the size and modification time of both files.
func (r *Reloader) stampOf() (string, error) {
	var stamp string
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", fmt.Errorf("certs: %w", err)
		}
		stamp += fmt.Sprintf("%d:%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return stamp, nil
}

// Watch loads the files again whenever their size or modification time
// changes, every interval (DefaultInterval when 0), until ctx ends. A pair
// that does not load is logged and tried again at the next change or tick
// (a key is often written a moment after its certificate).
func (r *Reloader) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		stamp, err := r.stampOf()
		if err == nil && stamp != r.stamp {
			err = r.loadLocked(stamp)
		}
		r.mu.Unlock()
		if err != nil {
			r.log.Error("cannot load the TLS certificate; serving the previous one", "error", err)
		}
	}
}

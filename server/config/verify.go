package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
)

// VerifyPlugins checks what Parse does not read: the contents of every
// plugin executable. It starts nothing. For each plugin block, in file
// order:
//
//   - a pinned sha256 that is not the SHA-256 checksum of the file at Path
//     (or a file that can no longer be read) is an error pointing at the
//     sha256 value (at the block when there is none), naming the plugin and
//     both checksums; for an optional plugin it is a warning instead,
//     since serve then starts without the plugin and /readyz reports it;
//   - dev_mode = true is a warning pointing at the plugin block: it lets
//     an executable run without a pinned checksum, for development only.
//
// The result holds warnings and errors (check HasErrors), sorted by
// position; nil when there is nothing to say. It is advisory: the plugin
// host checks the checksum again when it starts the executable (go-plugin
// SecureConfig), so a file replaced after VerifyPlugins is still refused.
// Checksums are not secret; no diagnostic holds a value of env or config.
func (c *Config) VerifyPlugins() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range c.Plugins {
		if p.DevMode {
			detail := fmt.Sprintf("plugin %q: dev_mode = true: the executable runs without a pinned checksum; for development only. Pin it with sha256 (make checksums prints it) and remove dev_mode.", p.Name)
			if p.SHA256 != "" {
				detail = fmt.Sprintf("plugin %q: dev_mode = true, which lets an executable run without a pinned checksum, is for development only; this one's sha256 is still checked. Remove dev_mode.", p.Name)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Plugin in dev_mode",
				Detail:   detail,
				Subject:  p.Range.Ptr(),
			})
		}
		if p.SHA256 == "" {
			continue
		}
		rng := p.SHA256Range
		if rng == (hcl.Range{}) {
			rng = p.Range
		}
		severity, consequence := hcl.DiagError, "serve refuses to start it"
		if p.Optional {
			severity, consequence = hcl.DiagWarning, "serve starts without it (optional = true) and /readyz reports it unavailable"
		}
		sum, err := fileSHA256(p.Path)
		switch {
		case err != nil:
			diags = append(diags, &hcl.Diagnostic{
				Severity: severity,
				Summary:  "Cannot read plugin",
				Detail:   fmt.Sprintf("plugin %q: cannot compute the checksum of %q: %v; %s.", p.Name, p.Path, err, consequence),
				Subject:  rng.Ptr(),
			})
		case sum != p.SHA256:
			diags = append(diags, &hcl.Diagnostic{
				Severity: severity,
				Summary:  "Plugin checksum mismatch",
				Detail:   fmt.Sprintf("plugin %q: the SHA-256 checksum of %q is %s, not the pinned %s; %s. Pin the checksum of the executable you mean to run (make checksums prints it).", p.Name, p.Path, sum, p.SHA256, consequence),
				Subject:  rng.Ptr(),
			})
		}
	}
	if len(diags) == 0 {
		return nil
	}
	sortDiagnostics(diags)
	return diags
}

// fileSHA256 returns the lowercase hex SHA-256 checksum of the file at
// path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

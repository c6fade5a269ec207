package hydratest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Version is the Ory Hydra release the tests run: the version the tool
// module ./hydra requires (TestToolModulePinsVersion keeps them equal) and
// the one the binary reports at /version.
const Version = "v2.3.0"

const (
	hydraPkg  = "github.com/ory/hydra/v2"
	thisPkg   = "github.com/registrar-dcr/registrar/internal/hydratest"
	toolDir   = "hydra" // the tool module, relative to this package's directory
	cacheName = "registrar-hydra"
)

// buildArgs are the arguments of `go build` after "build": SQLite (cgo)
// for DSN=memory, the version Hydra reports, no symbol tables.
func buildArgs(out string) []string {
	return []string{
		"build", "-trimpath", "-tags", "sqlite",
		"-ldflags", "-s -w -X " + hydraPkg + "/driver/config.Version=" + Version,
		"-o", out, hydraPkg,
	}
}

var binary = sync.OnceValues(build)

// Binary returns the path of the Ory Hydra Version binary, building it on
// the first call of the process unless the cache already holds it (see the
// package documentation). Concurrent test processes build it once: the
// build holds a lock file in the cache directory and renames the finished
// binary into place. The error names what is missing when Hydra cannot be
// built; callers fail the test with it, never skip.
func Binary() (string, error) { return binary() }

func build() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("building Ory Hydra %s needs the go command in PATH: %w", Version, err)
	}
	dir, err := toolModuleDir(goBin)
	if err != nil {
		return "", err
	}
	env, err := goEnv(goBin, dir)
	if err != nil {
		return "", err
	}
	// DSN=memory is SQLite, which is cgo: CGO_ENABLED=1 with no C compiler
	// fails late and obscurely, and the go command turns cgo off by itself
	// when it finds none.
	cc := strings.Fields(env["CC"])
	if len(cc) == 0 {
		cc = []string{"gcc"}
	}
	if _, err := exec.LookPath(cc[0]); err != nil {
		return "", fmt.Errorf("building Ory Hydra %s with -tags sqlite needs cgo, and the C compiler %q (go env CC) is not in PATH: install one (Debian: apt-get install gcc)", Version, cc[0])
	}
	key, err := cacheKey(dir, env)
	if err != nil {
		return "", err
	}
	root := env["GOCACHE"]
	if root == "" || root == "off" || !filepath.IsAbs(root) {
		if root, err = os.UserCacheDir(); err != nil {
			return "", fmt.Errorf("no directory to cache Ory Hydra in: GOCACHE is %q and %w", env["GOCACHE"], err)
		}
		root = filepath.Join(root, "go-build")
	}
	cache := filepath.Join(filepath.Dir(root), cacheName, Version+"-"+key)
	exe := ""
	if runtime.GOOS == "windows" {
		exe = ".exe"
	}
	bin := filepath.Join(cache, "hydra"+exe)
	if usable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(cache, ".lock"))
	if err != nil {
		return "", fmt.Errorf("lock the Ory Hydra cache: %w", err)
	}
	defer unlock()
	if usable(bin) { // another process built it while this one waited
		return bin, nil
	}
	// Under the lock, a temporary file left here is a build that died.
	if old, err := filepath.Glob(filepath.Join(cache, "hydra-*")); err == nil {
		for _, f := range old {
			_ = os.Remove(f)
		}
	}
	tmp := filepath.Join(cache, fmt.Sprintf("hydra-%d%s", os.Getpid(), exe))
	defer os.Remove(tmp)
	cmd := exec.Command(goBin, buildArgs(tmp)...)
	cmd.Dir = dir
	// The tool module is not in go.work, and the C compiler is required.
	cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build Ory Hydra %s (in %s: go %s): %v\n%s%s",
			Version, dir, strings.Join(buildArgs(tmp), " "), err, out, buildHint(out))
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// usable reports whether path is an executable regular file.
func usable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// buildHint names the likely missing piece behind a failed build.
func buildHint(out []byte) string {
	has := func(s string) bool { return bytes.Contains(out, []byte(s)) }
	switch {
	case has("dial tcp"), has("GOPROXY"), has("proxy.golang.org"), has("no such host"):
		return "\nthe module proxy could not be reached: the first build downloads Hydra's modules (GOPROXY, network)"
	case has("missing go.sum entry"):
		return "\nthe tool module's go.sum is incomplete: run GOWORK=off go mod tidy in it"
	case has("cgo"), has("C compiler"), has("gcc"):
		return "\nthe C toolchain failed: -tags sqlite needs cgo and a working C compiler (go env CC)"
	}
	return ""
}

// toolModuleDir returns the directory of the tool module ./hydra: beside
// this file when the source path is known, else where the go command finds
// this package (a -trimpath build).
func toolModuleDir(goBin string) (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Join(filepath.Dir(file), toolDir)
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
	}
	out, err := exec.Command(goBin, "list", "-f", "{{.Dir}}", thisPkg).Output()
	if err != nil {
		return "", fmt.Errorf("find the Ory Hydra tool module (go list %s): %w%s", thisPkg, err, stderr(err))
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), toolDir)
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("the Ory Hydra tool module is missing: %w", err)
	}
	return dir, nil
}

// goEnvVars are the go env values the build depends on.
var goEnvVars = []string{"GOCACHE", "GOVERSION", "GOOS", "GOARCH", "CC", "GOAMD64", "GOARM64"}

func goEnv(goBin, dir string) (map[string]string, error) {
	cmd := exec.Command(goBin, append([]string{"env", "-json"}, goEnvVars...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w%s", err, stderr(err))
	}
	env := map[string]string{}
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("go env -json: %w", err)
	}
	return env, nil
}

// cacheKey hashes what the binary depends on besides Version: the tool
// module's requirements and sums, the toolchain, the target and the build
// arguments.
func cacheKey(dir string, env map[string]string) (string, error) {
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", fmt.Errorf("the Ory Hydra tool module: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	for _, k := range goEnvVars {
		if k != "GOCACHE" {
			fmt.Fprintf(h, "%s=%s\n", k, env[k])
		}
	}
	fmt.Fprintf(h, "%q\n", buildArgs("hydra"))
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// stderr returns the standard error of a failed command, if any.
func stderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return "\n" + string(ee.Stderr)
	}
	return ""
}

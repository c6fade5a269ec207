package ferrettest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// EnvMode selects where FerretDB runs: "inprocess" (in the test process) or
// "process" (a child process built from ./ferretdbd). By default it runs in
// the test process, and in a child process when the race detector is on.
const EnvMode = "REGISTRAR_FERRETTEST_MODE"

// Modes.
const (
	ModeInProcess = "inprocess"
	ModeProcess   = "process"
)

// Mode returns where New runs FerretDB: ModeInProcess or ModeProcess.
func Mode() string {
	switch os.Getenv(EnvMode) {
	case ModeInProcess:
		return ModeInProcess
	case ModeProcess:
		return ModeProcess
	}
	if raceEnabled {
		return ModeProcess
	}
	return ModeInProcess
}

// backend is one running FerretDB.
type backend interface {
	addr() string // host:port
	stop()        // stops it and waits; the data stays
}

// newMu serializes ferretdb.New, which writes a package-level variable of
// FerretDB on every call.
var newMu sync.Mutex

// inProcess is FerretDB running in this process, stopped by canceling Run.
type inProcess struct {
	address string
	cancel  context.CancelFunc
	done    chan struct{}
}

func startInProcess(s *Server) (backend, error) {
	newMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    s.logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(s.dir) + "/",
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start FerretDB: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &inProcess{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		_ = f.Run(ctx)
	}()
	if b.address, err = hostPort(f.MongoDBURI()); err != nil { // waits until FerretDB listens
		b.stop()
		return nil, err
	}
	return b, nil
}

func (b *inProcess) addr() string { return b.address }

func (b *inProcess) stop() {
	b.cancel()
	<-b.done
}

// child is FerretDB running in a child process (ferretdbd), stopped with
// SIGKILL.
type child struct {
	address string
	cmd     *exec.Cmd
	stdin   io.Closer
	waited  chan struct{}
}

// helperPkg is the import path of the child's main package.
const helperPkg = "github.com/registrar-dcr/registrar/plugins/mongodb/internal/ferrettest/ferretdbd"

var (
	helperOnce sync.Once
	helperPath string
	helperErr  error
)

// helper builds ferretdbd once per test process, without the race
// detector, into the temporary directory registrar-ferrettest, and returns
// its path. The binary is renamed to the shared name "ferretdbd" there, so
// that one file remains however many test processes ran; a running child is
// not disturbed by a rename.
func helper() (string, error) {
	helperOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), "registrar-ferrettest")
		if helperErr = os.MkdirAll(dir, 0o700); helperErr != nil {
			return
		}
		exe := ""
		if runtime.GOOS == "windows" {
			exe = ".exe"
		}
		// Leftovers of builds that did not finish.
		if old, err := filepath.Glob(filepath.Join(dir, "ferretdbd-*")); err == nil {
			for _, f := range old {
				if fi, err := os.Stat(f); err == nil && time.Since(fi.ModTime()) > time.Hour {
					_ = os.Remove(f)
				}
			}
		}
		tmp := filepath.Join(dir, fmt.Sprintf("ferretdbd-%d%s", os.Getpid(), exe))
		if b, err := exec.Command("go", "build", "-o", tmp, helperPkg).CombinedOutput(); err != nil {
			helperErr = fmt.Errorf("build %s: %v\n%s", helperPkg, err, b)
			return
		}
		helperPath = filepath.Join(dir, "ferretdbd"+exe)
		if err := os.Rename(tmp, helperPath); err != nil {
			helperPath = tmp // Windows cannot replace a running executable
		}
	})
	return helperPath, helperErr
}

func startProcess(s *Server) (backend, error) {
	bin, err := helper()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-dir", s.dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = s.logOutput
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	b := &child{cmd: cmd, stdin: stdin, waited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(b.waited)
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if uri, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				lines <- uri
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case uri := <-lines:
		if b.address, err = hostPort(uri); err != nil {
			b.stop()
			return nil, err
		}
		return b, nil
	case <-b.waited:
		return nil, errors.New("ferretdbd exited at start (see its log)")
	case <-time.After(30 * time.Second):
		b.stop()
		return nil, errors.New("ferretdbd did not start within 30s")
	}
}

func (b *child) addr() string { return b.address }

func (b *child) stop() {
	_ = b.cmd.Process.Kill()
	_ = b.stdin.Close()
	<-b.waited
}

package hydratest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill Hydra when the test process dies (a
// test timeout's panic, a SIGKILL), so that none outlives the test run.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

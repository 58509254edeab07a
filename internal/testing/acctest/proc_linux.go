package acctest

import (
	"os/exec"
	"syscall"
)

// terminateSignal asks moto to exit; Kill follows if it does not.
var terminateSignal = syscall.SIGTERM

// setChildAttrs makes the kernel kill moto if the test binary dies without running its cleanup
// (a panic, a timeout, SIGKILL), so no server outlives the tests that started it.
func setChildAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

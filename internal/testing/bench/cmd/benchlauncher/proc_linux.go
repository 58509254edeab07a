package main

import (
	"os"
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the provider if the launcher dies first (Terraform gave up waiting
// and killed it), so no provider process lingers.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// maxRSSKB is the child's peak resident memory; Linux reports ru_maxrss in kilobytes.
func maxRSSKB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

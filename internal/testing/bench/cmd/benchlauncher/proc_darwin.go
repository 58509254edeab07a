package main

import (
	"os"
	"os/exec"
	"syscall"
)

// dieWithParent does nothing: macOS has no parent-death signal; the provider exits when Terraform closes
// its connection.
func dieWithParent(*exec.Cmd) {}

// maxRSSKB is the child's peak resident memory; macOS reports ru_maxrss in bytes.
func maxRSSKB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss / 1024
	}
	return 0
}

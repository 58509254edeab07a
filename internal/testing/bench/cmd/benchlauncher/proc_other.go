//go:build !linux && !darwin

package main

import (
	"os"
	"os/exec"
)

// dieWithParent does nothing where the platform has no parent-death signal.
func dieWithParent(*exec.Cmd) {}

// maxRSSKB is unknown here: the benchmark then reports 0 MB.
func maxRSSKB(*os.ProcessState) int64 { return 0 }

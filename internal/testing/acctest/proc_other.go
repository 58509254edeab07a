//go:build !linux

package acctest

import (
	"os"
	"os/exec"
)

// terminateSignal is os.Kill where SIGTERM is not portable.
var terminateSignal = os.Kill

func setChildAttrs(*exec.Cmd) {}

// Command benchlauncher stands in for terraform-provider-ica during the benchmark: Terraform starts it (through
// a dev_overrides directory where it is named terraform-provider-ica), it runs the real provider as its child,
// and when the child exits it writes what only the parent of a process can measure exactly:
//
//   - start-up time: from starting the child to the go-plugin handshake line on its stdout, the moment
//     Terraform can talk to the provider;
//   - peak memory: the child's maximum resident set size from wait4's rusage (Linux and macOS; 0 elsewhere).
//
// Environment: ICA_BENCH_PROVIDER is the real provider binary; ICA_BENCH_PROC_DIR the directory that receives
// one <pid>.json per provider process (see bench.Process). Everything else (arguments, environment, stdin,
// stderr, exit status) passes through unchanged, so Terraform cannot tell the difference.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/bench"
)

func main() {
	os.Exit(run())
}

func run() int {
	provider := os.Getenv("ICA_BENCH_PROVIDER")
	dir := os.Getenv("ICA_BENCH_PROC_DIR")
	if provider == "" || dir == "" {
		fmt.Fprintln(os.Stderr, "benchlauncher: ICA_BENCH_PROVIDER (the real provider binary) and ICA_BENCH_PROC_DIR "+
			"(where to write measurements) must be set; this program is started by the benchmark in internal/testing/bench")
		return 1
	}

	cmd := exec.Command(provider, os.Args[1:]...) //nolint:gosec // G702: running the benchmark's provider build is this program's job
	cmd.Stdin = os.Stdin
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchlauncher: %v\n", err)
		return 1
	}

	start := time.Now()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "benchlauncher: starting %s: %v\n", provider, err)
		return 1
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()

	var handshake time.Duration
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r := bufio.NewReader(stdout)
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			handshake = time.Since(start)
			_, _ = os.Stdout.Write(line)
		}
		if err == nil {
			_, _ = io.Copy(os.Stdout, r)
		}
	}()
	<-copied
	waitErr := cmd.Wait()

	rec := bench.Process{
		PID:        cmd.Process.Pid,
		Start:      start,
		StartupMS:  ms(handshake),
		LifetimeMS: ms(time.Since(start)),
		ExitCode:   cmd.ProcessState.ExitCode(),
		Args:       os.Args[1:],
	}
	rec.MaxRSSKB = maxRSSKB(cmd.ProcessState)
	if data, err := json.Marshal(rec); err == nil {
		_ = os.WriteFile(filepath.Join(dir, strconv.Itoa(rec.PID)+".json"), data, 0o600) //nolint:gosec // G703: the benchmark chose dir
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		fmt.Fprintf(os.Stderr, "benchlauncher: waiting for %s: %v\n", provider, waitErr)
		return 1
	}
	if code := rec.ExitCode; code >= 0 {
		return code
	}
	return 1
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8080": true,
		"127.0.0.2:0":    true,
		"[::1]:8080":     true,
		"localhost:0":    true,
		"0.0.0.0:8080":   false,
		":8080":          false,
		"10.0.0.1:80":    false,
		"example.com:80": false,
		"127.0.0.1":      false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"no api key":   {"-listen", "127.0.0.1:0"},
		"not loopback": {"-listen", "0.0.0.0:0", "-api-key", "k"},
	} {
		var out, errOut bytes.Buffer
		err := run(args, &out, &errOut)
		if err == nil {
			t.Errorf("%s: run succeeded", name)
		}
		if out.Len() != 0 {
			t.Errorf("%s: printed %q before refusing", name, out.String())
		}
	}
}

// TestProgram builds the command, starts it, mints a token and stops it with SIGTERM.
func TestProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "ica-emulator")
	// go test puts its own toolchain first on PATH.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go toolchain on PATH: %v", err)
	}
	build := exec.Command(goBin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-listen", "127.0.0.1:0", "-api-key", "program-key", "-validation-delay", "10ms", "-token-ttl", "1m")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // an error just means it already exited

	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		exited <- cmd.Wait()
	}()
	var url string
	select {
	case line := <-lines:
		const prefix = "ica-emulator listening on "
		if !strings.HasPrefix(line, prefix) {
			t.Fatalf("first line %q, want %q...; stderr: %s", line, prefix, stderr.String())
		}
		url = strings.TrimSpace(strings.TrimPrefix(line, prefix))
	case <-time.After(20 * time.Second):
		t.Fatal("the emulator printed no URL within 20s")
	}

	req, _ := http.NewRequest("POST", url+"/api/tokens", nil)
	req.Header.Set("X-API-Key", "program-key")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /api/tokens: %v", err)
	}
	var tok struct{ Token string }
	err = json.NewDecoder(res.Body).Decode(&tok)
	_ = res.Body.Close()
	if res.StatusCode != 200 || err != nil || strings.Count(tok.Token, ".") != 2 {
		t.Fatalf("POST /api/tokens: %d %v token=%q", res.StatusCode, err, tok.Token)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v; stderr: %s", err, stderr.String())
		}
		t.Logf("stopped %v after SIGTERM", time.Since(stopped))
	case <-time.After(10 * time.Second):
		t.Fatal("the emulator did not stop within 10s of SIGTERM")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "POST /api/tokens 200") || strings.Contains(logs, tok.Token) || strings.Contains(logs, "program-key") {
		t.Errorf("stderr should log the request without secrets: %s", logs)
	}
}

// syncBuffer is a bytes.Buffer the child's output can be copied into while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

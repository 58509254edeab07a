package reliability

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"

	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/testenv"
)

// The tests in this file drive the real terraform CLI against a provider binary built from this tree and
// installed through dev_overrides, because killing the process, TRACE logs and -parallelism are properties of
// the CLI run, not of terraform-plugin-testing's in-process harness.

var providerBinary struct {
	once sync.Once
	dir  string
	err  error
}

// buildProvider builds terraform-provider-ica once per test binary and returns its directory.
func buildProvider(t testing.TB) string {
	t.Helper()
	providerBinary.once.Do(func() {
		root, err := testenv.RepoRoot()
		if err != nil {
			providerBinary.err = err
			return
		}
		dir, err := os.MkdirTemp("", "reliability-provider-")
		if err != nil {
			providerBinary.err = err
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "terraform-provider-ica"), ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			providerBinary.err = fmt.Errorf("go build of the provider in %s: %v\n%s", root, err, out)
			return
		}
		providerBinary.dir = dir
	})
	if providerBinary.err != nil {
		t.Fatal(providerBinary.err)
	}
	return providerBinary.dir
}

// tfDir is a Terraform working directory using the dev_overrides provider, with every command's output and
// the TRACE log kept for scanning.
type tfDir struct {
	t       testing.TB
	dir     string
	logPath string
	env     []string

	mu      sync.Mutex
	outputs bytes.Buffer // stdout and stderr of every command, in order
}

func newTFDir(t testing.TB, trace bool) *tfDir {
	t.Helper()
	bin := buildProvider(t)
	dir := t.TempDir()
	cli := filepath.Join(dir, ".terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"ica-tf/ica\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(cli, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	d := &tfDir{t: t, dir: dir, logPath: filepath.Join(dir, "logs", "terraform.log")}
	if err := os.MkdirAll(filepath.Dir(d.logPath), 0o700); err != nil {
		t.Fatal(err)
	}
	d.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cli,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	)
	if trace {
		d.env = append(d.env, "TF_LOG=TRACE", "TF_LOG_PATH="+d.logPath)
	}
	return d
}

// terraformBlock makes configurations use the dev_overrides provider.
const terraformBlock = `terraform {
  required_providers {
    ica = { source = "ica-tf/ica" }
  }
}
`

func (d *tfDir) write(config string) {
	d.t.Helper()
	if err := os.WriteFile(filepath.Join(d.dir, "main.tf"), []byte(terraformBlock+config), 0o600); err != nil {
		d.t.Fatal(err)
	}
}

func (d *tfDir) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, terraformPath(), args...)
	cmd.Dir = d.dir
	cmd.Env = d.env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	// Its own process group, so a kill reaches the provider plugin too (as when a CI runner dies).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, &out
}

// run runs one command to completion and returns its combined output and error.
func (d *tfDir) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, out := d.command(ctx, args...)
	err := cmd.Run()
	d.keep(args, out.String())
	return out.String(), err
}

// must runs a command that has to succeed.
func (d *tfDir) must(args ...string) string {
	d.t.Helper()
	out, err := d.run(args...)
	if err != nil {
		d.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (d *tfDir) keep(args []string, out string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(&d.outputs, "$ terraform %s\n%s\n", strings.Join(args, " "), out)
}

// planIsEmpty runs plan -detailed-exitcode: 0 means no changes.
func (d *tfDir) planIsEmpty() (bool, string) {
	d.t.Helper()
	out, err := d.run("plan", "-detailed-exitcode", "-no-color", "-input=false")
	if err == nil {
		return true, out
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return false, out
	}
	d.t.Fatalf("terraform plan: %v\n%s", err, out)
	return false, out
}

func terraformPath() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return "terraform"
}

// keyRecorder wraps the AWS proxy and keeps every SecretAccessKey that IAM's CreateAccessKey answered with,
// the only place a generated secret can be seen outside the provider.
type keyRecorder struct {
	next http.Handler

	mu      sync.Mutex
	secrets []string
}

var secretElement = regexp.MustCompile(`<SecretAccessKey>([^<]+)</SecretAccessKey>`)

func (k *keyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &teeWriter{ResponseWriter: w}
	k.next.ServeHTTP(rec, r)
	for _, m := range secretElement.FindAllSubmatch(rec.body.Bytes(), -1) {
		var s string
		if err := xml.Unmarshal([]byte("<s>"+string(m[1])+"</s>"), &s); err != nil {
			s = string(m[1])
		}
		k.mu.Lock()
		k.secrets = append(k.secrets, s)
		k.mu.Unlock()
	}
}

func (k *keyRecorder) Secrets() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.secrets...)
}

type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.body.Len() < 1<<20 {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// awsFront is moto behind the fault-injecting proxy, behind the key recorder, served on loopback.
type awsFront struct {
	Proxy *awsproxy.Proxy
	Keys  *keyRecorder
	URL   string
	Moto  *acctest.Moto
}

func newAWSFront(t testing.TB, m *acctest.Moto) *awsFront {
	t.Helper()
	p, err := awsproxy.New(m.Endpoint, awsproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys := &keyRecorder{next: p}
	srv := httptest.NewServer(keys)
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return &awsFront{Proxy: p, Keys: keys, URL: srv.URL, Moto: m}
}

// providerConfig is acctest.ProviderConfig with every AWS endpoint moved to the front (proxy) URL.
func (f *awsFront) providerConfig(e *acctest.Emulator) string {
	return strings.ReplaceAll(acctest.ProviderConfig(e, f.Moto), f.Moto.Endpoint, f.URL)
}

// readAll returns a file's content, or "" when it does not exist.
func readAll(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return ""
		}
		t.Fatal(err)
	}
	return string(b)
}

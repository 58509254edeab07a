package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/ica-tf/terraform-provider-ica/internal/provider"
)

// CLI runs the Terraform binary of TF_ACC_TERRAFORM_PATH in a directory of its own against the provider
// under test, served from this process (TF_REATTACH_PROVIDERS), for the commands terraform-plugin-testing
// cannot drive: `terraform query -generate-config-out`, `terraform apply -invoke` and `-replace`.
type CLI struct {
	t   *testing.T
	Dir string
	env []string
}

// cliTimeout bounds each Terraform command.
const cliTimeout = 5 * time.Minute

// NewCLI serves a provider for the test's lifetime and returns a runner in a fresh directory.
func NewCLI(t *testing.T) *CLI {
	t.Helper()
	PreCheck(t)
	binary := os.Getenv("TF_ACC_TERRAFORM_PATH")
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	served := make(chan error, 1)
	address := providerAddress()
	go func() {
		served <- tf6server.Serve(address, providerserver.NewProtocol6(provider.New("test")()),
			tf6server.WithDebug(ctx, reattach, closed), tf6server.WithoutLogStderrOverride(),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()), tf6server.WithLoggingSink(t))
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-reattach:
	case err := <-served:
		cancel()
		t.Fatalf("serving the provider for %s: %v", binary, err)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider did not start serving within 30s")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	info, err := json.Marshal(map[string]any{address: map[string]any{
		"Protocol": cfg.Protocol, "ProtocolVersion": cfg.ProtocolVersion, "Pid": cfg.Pid, "Test": true,
		"Addr": map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(info), "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return &CLI{t: t, Dir: t.TempDir(), env: env}
}

// providerAddress is where the binary looks for the bare provider name: terraform-plugin-testing's
// TF_ACC_PROVIDER_HOST and TF_ACC_PROVIDER_NAMESPACE (which Main sets for OpenTofu), else Terraform's registry.
func providerAddress() string {
	host, namespace := os.Getenv("TF_ACC_PROVIDER_HOST"), os.Getenv("TF_ACC_PROVIDER_NAMESPACE")
	if host == "" {
		host = "registry.terraform.io"
	}
	if namespace == "" {
		namespace = "hashicorp"
	}
	return host + "/" + namespace + "/" + ProviderName
}

// Write puts a file into the working directory.
func (c *CLI) Write(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.Dir, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// Read returns a file of the working directory.
func (c *CLI) Read(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// Run runs terraform with args and returns its combined output and exit code; it fails the test only when
// the binary cannot run at all.
func (c *CLI) Run(args ...string) (string, int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), append(args, "-no-color")...)
	cmd.Dir, cmd.Env = c.Dir, c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		c.t.Fatalf("terraform %s did not finish within %s:\n%s", strings.Join(args, " "), cliTimeout, out.String())
	}
	code := 0
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			c.t.Fatalf("running terraform %s: %v", strings.Join(args, " "), err)
		}
		code = exit.ExitCode()
	}
	return out.String(), code
}

// MustRun runs terraform and fails the test, showing the output, unless it exits 0.
func (c *CLI) MustRun(args ...string) string {
	c.t.Helper()
	out, code := c.Run(args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// ExpectNoChanges fails the test, showing the plan, unless `terraform plan -detailed-exitcode` finds
// nothing to change.
func (c *CLI) ExpectNoChanges(when string) {
	c.t.Helper()
	if out, code := c.Run("plan", "-detailed-exitcode"); code != 0 {
		c.t.Fatalf("the plan %s is not empty (exit %d):\n%s", when, code, out)
	}
}

// CheckState runs a terraform-plugin-testing state check against `terraform show -json`, as a TestStep's
// ConfigStateChecks would.
func (c *CLI) CheckState(check statecheck.StateCheck) error {
	c.t.Helper()
	var req statecheck.CheckStateRequest
	if err := json.Unmarshal([]byte(c.MustRun("show", "-json")), &req.State); err != nil {
		c.t.Fatalf("decoding terraform show -json: %v", err)
	}
	var resp statecheck.CheckStateResponse
	check.CheckState(context.Background(), req, &resp)
	return resp.Error
}

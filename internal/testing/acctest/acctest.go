// Package acctest is the acceptance-test harness: it starts moto (the AWS emulator) and the ICA emulator,
// builds provider configurations pointing at them, and serves the provider to terraform-plugin-testing.
//
// Every test binary that uses it declares
//
//	func TestMain(m *testing.M) { acctest.Main(m) }
//
// so that Terraform never gets downloaded and shared servers are stopped when the binary exits.
package acctest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/ica-tf/terraform-provider-ica/internal/provider"
)

// ProviderName is the local name the provider is served under in test configurations.
const ProviderName = "ica"

// defaultTerraformPath is where the development machines and CI keep Terraform when it is not on PATH.
const defaultTerraformPath = "/usr/local/bin/terraform"

// mainRunning records that Main wraps this test binary, so shared servers have an owner that stops them.
var mainRunning atomic.Bool

// Main runs the tests of a package and stops the shared servers afterwards. It points terraform-plugin-testing
// at a local Terraform (TF_ACC_TERRAFORM_PATH) with an empty CLI configuration (TF_CLI_CONFIG_FILE) unless
// the caller already set them to existing files, so that no test ever downloads Terraform or reads the developer's CLI config.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	mainRunning.Store(true)
	defer stopSharedMoto()

	cleanup, err := prepareTerraformEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "acctest: %v\n", err)
		return 1
	}
	defer cleanup()
	return m.Run()
}

func prepareTerraformEnv() (func(), error) {
	cleanup := func() {}
	// Terraform would otherwise contact HashiCorp's checkpoint service on every run.
	if err := os.Setenv("CHECKPOINT_DISABLE", "1"); err != nil {
		return cleanup, err
	}
	if os.Getenv("TF_ACC_TERRAFORM_PATH") == "" {
		if path := findTerraform(); path != "" {
			if err := os.Setenv("TF_ACC_TERRAFORM_PATH", path); err != nil {
				return cleanup, err
			}
		}
	}
	if err := adaptToOpenTofu(os.Getenv("TF_ACC_TERRAFORM_PATH")); err != nil {
		return cleanup, err
	}
	// A preset path to a file that does not exist configures nothing, so it is replaced too.
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg == "" || !fileExists(cfg) {
		dir, err := os.MkdirTemp("", "acctest-tfcli-")
		if err != nil {
			return cleanup, fmt.Errorf("creating a directory for an empty Terraform CLI configuration: %w", err)
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
		file := filepath.Join(dir, "terraformrc")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			return cleanup, fmt.Errorf("writing an empty Terraform CLI configuration: %w", err)
		}
		if err := os.Setenv("TF_CLI_CONFIG_FILE", file); err != nil {
			return cleanup, err
		}
	}
	return cleanup, nil
}

// adaptToOpenTofu makes terraform-plugin-testing serve the provider where OpenTofu looks for it: OpenTofu
// resolves the bare provider name "ica" in registry.opentofu.org, Terraform in registry.terraform.io (the
// default). Settings the caller made are kept.
func adaptToOpenTofu(binary string) error {
	if binary == "" || os.Getenv("TF_ACC_PROVIDER_HOST") != "" || !isOpenTofu(binary) {
		return nil
	}
	if os.Getenv("TF_ACC_PROVIDER_NAMESPACE") == "" {
		if err := os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "hashicorp"); err != nil {
			return err
		}
	}
	return os.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
}

// isOpenTofu reports whether binary says it is OpenTofu. A binary that does not run counts as not: the
// tests then report it more clearly than this could.
func isOpenTofu(binary string) bool {
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		return false
	}
	b, err := parseBinaryVersion(out)
	return err == nil && b.OpenTofu
}

func findTerraform() string {
	if path, err := exec.LookPath("terraform"); err == nil {
		return path
	}
	if fileExists(defaultTerraformPath) {
		return defaultTerraformPath
	}
	return ""
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

// ProviderFactories serves a fresh provider (version "test") for each Terraform command of a test.
func ProviderFactories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		ProviderName: providerserver.NewProtocol6WithError(provider.New("test")()),
	}
}

// PreCheck fails the test early when the Terraform binary it would run is missing, instead of letting
// terraform-plugin-testing try to download one. Without TF_ACC it does nothing (resource.Test skips then).
func PreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return
	}
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH is not set and no terraform binary was found on PATH or at " +
			defaultTerraformPath + ": install Terraform (or OpenTofu) and set TF_ACC_TERRAFORM_PATH, " +
			"or call acctest.Main from TestMain to set it")
	}
	if !fileExists(path) {
		t.Fatalf("TF_ACC_TERRAFORM_PATH=%q is not an executable file: point it at a Terraform or OpenTofu binary", path)
	}
}

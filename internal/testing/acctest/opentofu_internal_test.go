package acctest

import (
	"os"
	"path/filepath"
	"testing"
)

func fakeBinary(t *testing.T, versionOutput string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "terraform")
	script := "#!/bin/sh\nprintf '%s\\n' '" + versionOutput + "'\n"
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAdaptToOpenTofu(t *testing.T) {
	for _, tc := range []struct {
		name, version, presetHost string
		wantHost, wantNamespace   string
	}{
		{name: "opentofu", version: "OpenTofu v1.12.6", wantHost: "registry.opentofu.org", wantNamespace: "hashicorp"},
		{name: "terraform", version: "Terraform v1.11.4"},
		{name: "preset host kept", version: "OpenTofu v1.12.6", presetHost: "example.test", wantHost: "example.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TF_ACC_PROVIDER_HOST", tc.presetHost)
			t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "")
			if err := adaptToOpenTofu(fakeBinary(t, tc.version)); err != nil {
				t.Fatal(err)
			}
			if got := os.Getenv("TF_ACC_PROVIDER_HOST"); got != tc.wantHost {
				t.Errorf("TF_ACC_PROVIDER_HOST = %q, want %q", got, tc.wantHost)
			}
			if got := os.Getenv("TF_ACC_PROVIDER_NAMESPACE"); got != tc.wantNamespace {
				t.Errorf("TF_ACC_PROVIDER_NAMESPACE = %q, want %q", got, tc.wantNamespace)
			}
		})
	}
}

// TestProviderAddress: the CLI serves the provider where terraform-plugin-testing does, so that OpenTofu's
// init finds it too.
func TestProviderAddress(t *testing.T) {
	t.Setenv("TF_ACC_PROVIDER_HOST", "")
	t.Setenv("TF_ACC_PROVIDER_NAMESPACE", "")
	if got := providerAddress(); got != "registry.terraform.io/hashicorp/ica" {
		t.Errorf("default address %q", got)
	}
	t.Setenv("TF_ACC_PROVIDER_HOST", "registry.opentofu.org")
	if got := providerAddress(); got != "registry.opentofu.org/hashicorp/ica" {
		t.Errorf("OpenTofu address %q", got)
	}
}

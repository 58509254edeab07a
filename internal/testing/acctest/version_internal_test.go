package acctest

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseBinaryVersion(t *testing.T) {
	for _, tc := range []struct {
		out, want string
		tofu      bool
	}{
		{out: "Terraform v1.15.9\non linux_amd64\n", want: "1.15.9"},
		{out: "OpenTofu v1.12.6\non linux_amd64", want: "1.12.6", tofu: true},
		{out: "Terraform v1.14.0-beta2", want: "1.14.0"},
		// OpenTofu puts a warning about a missing CLI configuration file on stdout, before the version.
		{out: "\nWarning: Unable to open CLI configuration file\n\nThe CLI configuration file at \"/root/.terraformrc\" does not exist.\nOpenTofu v1.12.6-dev\non linux_amd64\n", want: "1.12.6", tofu: true},
	} {
		b, err := parseBinaryVersion([]byte(tc.out))
		if err != nil {
			t.Fatalf("%q: %v", tc.out, err)
		}
		if b.Version.String() != tc.want || b.OpenTofu != tc.tofu {
			t.Errorf("%q: got %s (OpenTofu %v), want %s (OpenTofu %v)", tc.out, b.Version, b.OpenTofu, tc.want, tc.tofu)
		}
	}
	for _, bad := range []string{"", "Terraform", "Terraform v1.x.0", "Pulumi v3.1.0"} {
		if _, err := parseBinaryVersion([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestBinaryHas(t *testing.T) {
	for _, tc := range []struct {
		binary  string
		feature Feature
		want    bool
		why     string
	}{
		{binary: "Terraform v1.11.4", feature: FeatureIdentity, why: "resource identity needs Terraform >= 1.12.0; this is Terraform 1.11.4"},
		{binary: "Terraform v1.12.0", feature: FeatureIdentity, want: true},
		{binary: "Terraform v1.13.5", feature: FeatureQuery, why: "needs Terraform >= 1.14.0"},
		{binary: "Terraform v1.15.9", feature: FeatureActions, want: true},
		{binary: "Terraform v2.0.0", feature: FeatureQuery, want: true},
		{binary: "OpenTofu v1.12.6", feature: FeatureActions, why: "actions needs Terraform >= 1.14.0; OpenTofu 1.12.6 does not have it"},
		{binary: "OpenTofu v1.12.6", feature: FeatureIdentity, want: true},
		{binary: "OpenTofu v1.11.2", feature: FeatureIdentity, why: "resource identity needs OpenTofu >= 1.12.0; this is OpenTofu 1.11.2"},
	} {
		b, err := parseBinaryVersion([]byte(tc.binary))
		if err != nil {
			t.Fatal(err)
		}
		got, why := b.Has(tc.feature)
		if got != tc.want || !strings.Contains(why, tc.why) {
			t.Errorf("%s has %s = %v (%q), want %v (%q)", tc.binary, tc.feature.Name, got, why, tc.want, tc.why)
		}
	}
}

type recordedGate struct{ skip, fatal string }

func (g *recordedGate) Helper()                           {}
func (g *recordedGate) Skipf(format string, args ...any)  { g.skip = fmt.Sprintf(format, args...) }
func (g *recordedGate) Fatalf(format string, args ...any) { g.fatal = fmt.Sprintf(format, args...) }

func TestRequireFeature(t *testing.T) {
	old, current := fakeBinary(t, "Terraform v1.11.4"), fakeBinary(t, "Terraform v1.15.9")
	for _, tc := range []struct {
		name, binary, require string
		wantSkip, wantFatal   string
	}{
		{name: "skips naming the version", binary: old, wantSkip: "list resources (terraform query) needs Terraform >= 1.14.0; this is Terraform 1.11.4"},
		{name: "fails when required", binary: old, require: "1", wantFatal: "ICA_TEST_REQUIRE_FEATURES is set"},
		{name: "0 means not required", binary: old, require: "0", wantSkip: "needs Terraform >= 1.14.0"},
		{name: "runs on a binary that has it", binary: current, require: "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TF_ACC_TERRAFORM_PATH", tc.binary)
			t.Setenv(EnvRequireFeatures, tc.require)
			var g recordedGate
			requireFeature(&g, FeatureQuery, FeatureIdentity)
			if !strings.Contains(g.skip, tc.wantSkip) || (tc.wantSkip == "") != (g.skip == "") {
				t.Errorf("skip message %q, want one containing %q", g.skip, tc.wantSkip)
			}
			if !strings.Contains(g.fatal, tc.wantFatal) || (tc.wantFatal == "") != (g.fatal == "") {
				t.Errorf("failure %q, want one containing %q", g.fatal, tc.wantFatal)
			}
		})
	}
}

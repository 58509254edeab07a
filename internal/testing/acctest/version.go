package acctest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// EnvRequireFeatures, when set (to anything but "" or "0"), turns a version gate's skip into a failure: the
// CI leg that runs the newest Terraform sets it so that a test meant for that leg can never hide as a skip.
const EnvRequireFeatures = "ICA_TEST_REQUIRE_FEATURES"

// Feature is something a test needs from the Terraform binary, with the versions that have it.
type Feature struct {
	Name string
	// MinTerraform is the first Terraform version with the feature.
	MinTerraform string
	// MinOpenTofu is the first OpenTofu version with it; "" when no OpenTofu release has it.
	MinOpenTofu string
}

var (
	// FeatureIdentity is resource identity (identity in import blocks, identity import in tests). OpenTofu
	// 1.12.6 passes this provider's identity tests; earlier OpenTofu releases are not tested.
	FeatureIdentity = Feature{Name: "resource identity", MinTerraform: "1.12.0", MinOpenTofu: "1.12.0"}
	// FeatureQuery is list resources and `terraform query`.
	FeatureQuery = Feature{Name: "list resources (terraform query)", MinTerraform: "1.14.0"}
	// FeatureActions is provider actions (`action` blocks, -invoke, action_trigger).
	FeatureActions = Feature{Name: "actions", MinTerraform: "1.14.0"}
)

// Binary is what a Terraform binary says it is.
type Binary struct {
	// OpenTofu is true for OpenTofu, false for Terraform.
	OpenTofu bool
	Version  Version
}

// Version is a release number major.minor.patch (pre-release suffixes are ignored).
type Version [3]int

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// Less reports whether v comes before w.
func (v Version) Less(w Version) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

// ParseVersion reads "1.15.9", "v1.15.9" or "1.14.0-beta1".
func ParseVersion(s string) (Version, error) {
	var v Version
	core, _, _ := strings.Cut(strings.TrimPrefix(s, "v"), "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("version %q is not major.minor.patch", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("version %q is not major.minor.patch", s)
		}
		v[i] = n
	}
	return v, nil
}

func mustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (b Binary) String() string {
	if b.OpenTofu {
		return "OpenTofu " + b.Version.String()
	}
	return "Terraform " + b.Version.String()
}

// Has reports whether the binary has the feature, and when not, what it would take.
func (b Binary) Has(f Feature) (bool, string) {
	minimum := f.MinTerraform
	if b.OpenTofu {
		minimum = f.MinOpenTofu
	}
	if minimum == "" {
		return false, fmt.Sprintf("%s needs Terraform >= %s; %s does not have it", f.Name, f.MinTerraform, b)
	}
	if b.Version.Less(mustParseVersion(minimum)) {
		product := "Terraform"
		if b.OpenTofu {
			product = "OpenTofu"
		}
		return false, fmt.Sprintf("%s needs %s >= %s; this is %s", f.Name, product, minimum, b)
	}
	return true, ""
}

// parseBinaryVersion reads the output of `terraform version`: its line "Terraform v1.15.9" or
// "OpenTofu v1.12.6". Warnings (e.g. about a missing CLI configuration file) may come before it on stdout.
func parseBinaryVersion(out []byte) (Binary, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || (fields[0] != "Terraform" && fields[0] != "OpenTofu") || !strings.HasPrefix(fields[1], "v") {
			continue
		}
		v, err := ParseVersion(fields[1])
		if err != nil {
			return Binary{}, fmt.Errorf("unexpected version in %q: %w", sc.Text(), err)
		}
		return Binary{OpenTofu: fields[0] == "OpenTofu", Version: v}, nil
	}
	return Binary{}, fmt.Errorf("no \"Terraform vX.Y.Z\" or \"OpenTofu vX.Y.Z\" line in the output of `terraform version`: %q", out)
}

var binaryCache sync.Map // path → binaryResult

type binaryResult struct {
	b   Binary
	err error
}

// TerraformBinary says what the binary in TF_ACC_TERRAFORM_PATH is (run once per path and test binary).
func TerraformBinary() (Binary, error) {
	path := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		return Binary{}, fmt.Errorf("TF_ACC_TERRAFORM_PATH is not set")
	}
	if r, ok := binaryCache.Load(path); ok {
		return r.(binaryResult).b, r.(binaryResult).err
	}
	var r binaryResult
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		r.err = fmt.Errorf("running %s version: %w", path, err)
	} else {
		r.b, r.err = parseBinaryVersion(out)
	}
	binaryCache.Store(path, r)
	return r.b, r.err
}

// RequireFeature skips the test unless the Terraform binary under test has every feature, with a message
// naming the version needed. With ICA_TEST_REQUIRE_FEATURES set it fails instead, so that the CI leg meant
// to run such tests cannot pass by skipping them. Without TF_ACC it does nothing (resource.Test skips then).
func RequireFeature(t *testing.T, features ...Feature) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		// As terraform-plugin-testing does for resource.Test; the CLI-driven tests would otherwise run.
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
	PreCheck(t)
	requireFeature(t, features...)
}

// gate is the part of testing.T that requireFeature uses.
type gate interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

func requireFeature(t gate, features ...Feature) {
	t.Helper()
	b, err := TerraformBinary()
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	for _, f := range features {
		if ok, why := b.Has(f); !ok {
			if required() {
				t.Fatalf("%s, but %s is set: this run must use a Terraform that has it (TF_ACC_TERRAFORM_PATH=%s)",
					why, EnvRequireFeatures, os.Getenv("TF_ACC_TERRAFORM_PATH"))
				return
			}
			t.Skipf("skipped: %s (set TF_ACC_TERRAFORM_PATH to a newer binary, e.g. from ../shared/terraform/install.sh .build/terraform-1.15)", why)
			return
		}
	}
}

func required() bool {
	v := os.Getenv(EnvRequireFeatures)
	return v != "" && v != "0"
}

package provider_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

// icaClient talks to the emulator directly, to set up or inspect what the provider sees.
func icaClient(t *testing.T, e *acctest.Emulator) *ica.Client {
	t.Helper()
	c, err := ica.New(ica.Config{BaseURL: e.URL, APIKey: e.APIKey, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// errRE compiles an expected-error pattern so that it matches across the line breaks Terraform puts into
// long diagnostics: every space matches any run of whitespace.
func errRE(pattern string) *regexp.Regexp {
	return regexp.MustCompile("(?s)" + strings.ReplaceAll(pattern, " ", `\s+`))
}

// writeLog follows the emulator's request log step by step: each call returns the writes (non-GET
// requests other than token minting, which every provider process does once) since the previous call.
type writeLog struct {
	e    *acctest.Emulator
	seen int
}

func (w *writeLog) next(t *testing.T) []string {
	t.Helper()
	reqs := w.e.Requests(t)
	var out []string
	for _, r := range reqs[w.seen:] {
		if r.Method == "GET" || strings.HasPrefix(r.Path, "/api/tokens") {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}
	w.seen = len(reqs)
	return out
}

// expectWrites returns a check that the writes since the previous check are exactly want, where each
// entry is "METHOD path-suffix" (e.g. "POST :updateSecrets"), in order.
func (w *writeLog) expectWrites(t *testing.T, want ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		got := w.next(t)
		if len(got) != len(want) {
			return fmt.Errorf("want writes %q, got %q", want, got)
		}
		for i := range want {
			method, suffix, _ := strings.Cut(want[i], " ")
			fields := strings.Fields(got[i])
			if fields[0] != method || !strings.HasSuffix(fields[1], suffix) || !strings.HasPrefix(fields[2], "2") {
				return fmt.Errorf("write %d: want %q (2xx), got %q (all: %q)", i, want[i], got[i], got)
			}
		}
		return nil
	}
}

// skip advances the log without checking (for steps whose writes another check covers).
func (w *writeLog) skip(t *testing.T) func(*terraform.State) error {
	return func(*terraform.State) error { w.next(t); return nil }
}

// noSecretInState fails when secret appears anywhere in `terraform show -json` output.
type noSecretInState struct{ secret string }

func (c noSecretInState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	raw, err := json.Marshal(req.State)
	if err != nil {
		resp.Error = err
		return
	}
	if strings.Contains(string(raw), c.secret) {
		resp.Error = fmt.Errorf("the secret access key is in the state (terraform show -json)")
	}
}

// noSecretInPlan fails when secret appears anywhere in the plan JSON.
type noSecretInPlan struct{ secret string }

func (c noSecretInPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	raw, err := json.Marshal(req.Plan)
	if err != nil {
		resp.Error = err
		return
	}
	if strings.Contains(string(raw), c.secret) {
		resp.Error = fmt.Errorf("the secret access key is in the plan")
	}
}

var _ plancheck.PlanCheck = noSecretInPlan{}
var _ statecheck.StateCheck = noSecretInState{}

// noSecretInStateFiles fails when secret appears in any attribute of the shimmed state or in any
// terraform.tfstate file under the test's working directories (TF_ACC_PERSIST_WORKING_DIR is not needed:
// the plugin-testing working directory lives under TF_ACC_TEMP_DIR or the system temp directory while the
// test runs). It also fails when no state file there holds this state's resources, so that a changed
// layout cannot make it pass without reading the file.
func noSecretInStateFiles(secret string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		var ids []string
		for name, rs := range s.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, secret) {
					return fmt.Errorf("%s.%s holds the secret access key", name, k)
				}
			}
			if rs.Primary.ID != "" {
				ids = append(ids, rs.Primary.ID)
			}
		}
		base := os.Getenv("TF_ACC_TEMP_DIR")
		if base == "" {
			base = os.TempDir()
		}
		matches, err := filepath.Glob(filepath.Join(base, "plugintest*", "*", "terraform.tfstate"))
		if err != nil {
			return err
		}
		ours := 0
		for _, f := range matches {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // another test's working directory, removed meanwhile
			}
			if strings.Contains(string(b), secret) {
				return fmt.Errorf("%s holds the secret access key", f)
			}
			if len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return !strings.Contains(string(b), id) }) {
				ours++
			}
		}
		if ours == 0 {
			return fmt.Errorf("none of the %d terraform.tfstate files under %s holds this state's resources %q: "+
				"the state file was not checked", len(matches), base, ids)
		}
		return nil
	}
}

// captureAttr stores an attribute of a resource in *dst for later steps.
func captureAttr(resource, attr string, dst *string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[resource]
		if !ok {
			return fmt.Errorf("%s not in state", resource)
		}
		*dst = rs.Primary.Attributes[attr]
		if *dst == "" {
			return fmt.Errorf("%s.%s is empty", resource, attr)
		}
		return nil
	}
}

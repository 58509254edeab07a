package reliability

import (
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/awsproxy"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

// faultCase is one fault injected into one step of a resource's life cycle.
type faultCase struct {
	name string
	// phase is the operation the fault hits: "create", "update", "rotate" or "destroy".
	phase string
	ica   *acctest.Fault
	aws   *awsproxy.Fault
	// transient faults must be absorbed by retries: the apply succeeds. Otherwise the apply must fail with an
	// error matching step (it names the step that failed), and the next apply, without the fault, converges.
	transient bool
	step      *regexp.Regexp
}

// faultsInjected counts the scenarios that ran, for RELIABILITY.md.
var faultsInjected atomic.Int64

func icaFault(method, path string, status, count int) *acctest.Fault {
	return &acctest.Fault{Method: method, Path: path, Status: status, Count: count}
}

// permanent is a count no retry policy outlasts, and small enough to be used up by the time the fault is
// cleared anyway.
const permanent = 1000

// fault scenario runner shared by both resources.
type faultTarget struct {
	// configs returns the configuration before (v0) and after (v1) the change the phase makes.
	configs func(env *faultEnv, phase string) (v0, v1 string)
	// credentialNames are the ICA credential names the scenario may create (no duplicates allowed).
	credentialNames func(env *faultEnv) []string
}

type faultEnv struct {
	emu    *acctest.Emulator
	front  *awsFront
	token  string
	bucket string
}

func runFaultCase(t *testing.T, target faultTarget, fc faultCase) {
	m := acctest.SharedMoto(t)
	env := &faultEnv{
		emu:   acctest.NewEmulator(t, icaemulator.Options{AWSEndpoint: m.Endpoint, ValidationDelay: 100 * time.Millisecond}),
		front: newAWSFront(t, m),
		token: acctest.RandomName("ft-"),
	}
	env.bucket = env.token
	createBucket(t, m, env.bucket, "")
	v0, v1 := target.configs(env, fc.phase)

	var rule *awsproxy.Rule
	inject := func() {
		if fc.ica != nil {
			env.emu.InjectFault(t, *fc.ica)
		}
		if fc.aws != nil {
			r, err := env.front.Proxy.AddFault(*fc.aws)
			if err != nil {
				t.Fatalf("adding AWS fault %+v: %v", *fc.aws, err)
			}
			rule = r
		}
	}
	clear := func() {
		env.emu.ClearFaults(t)
		env.front.Proxy.ClearFaults()
	}
	var faultStep resource.TestStep
	switch fc.phase {
	case "create":
		faultStep = resource.TestStep{PreConfig: inject, Config: v0}
	case "update", "rotate":
		faultStep = resource.TestStep{PreConfig: inject, Config: v1}
	case "destroy":
		faultStep = resource.TestStep{PreConfig: inject, Config: v0, Destroy: true}
	default:
		t.Fatalf("unknown phase %q", fc.phase)
	}
	if !fc.transient {
		faultStep.ExpectError = fc.step
	}
	fired := func(*terraform.State) error {
		if fc.aws != nil && rule.Fired() == 0 {
			return fmt.Errorf("the AWS fault %+v never fired: the scenario tested nothing", *fc.aws)
		}
		if fc.ica != nil && fc.ica.Status != 0 && !sawStatus(env.emu.Requests(t), fc.ica.Status) {
			return fmt.Errorf("the ICA fault %+v never fired: the scenario tested nothing", *fc.ica)
		}
		return nil
	}
	if fc.transient {
		faultStep.Check = fired
	}

	steps := []resource.TestStep{}
	if fc.phase != "create" {
		steps = append(steps, resource.TestStep{Config: v0})
	}
	steps = append(steps, faultStep)
	after := v0
	if fc.phase == "update" || fc.phase == "rotate" {
		after = v1
	}
	// Without the fault, a plain apply converges and the plan after it is empty (checked by the framework).
	steps = append(steps, resource.TestStep{PreConfig: clear, Config: after, Check: func(s *terraform.State) error {
		if fc.transient {
			return nil
		}
		return fired(s)
	}})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps:                    steps,
		CheckDestroy: func(*terraform.State) error {
			if objs := scenarioObjects(t, m, env.token, env.bucket); !objs.empty() {
				return fmt.Errorf("destroy left AWS objects behind: %s", objs)
			}
			return noDuplicateCredentials(env.emu.Credentials(t), target.credentialNames(env))
		},
	})
	faultsInjected.Add(1)
}

func sawStatus(reqs []acctest.EmulatorRequest, status int) bool {
	for _, r := range reqs {
		if r.Status == status {
			return true
		}
	}
	return false
}

// noDuplicateCredentials fails when ICA holds a name twice: with no delete API, a retried or re-run create
// that does not adopt the existing credential piles them up.
func noDuplicateCredentials(creds []acctest.EmulatorCredential, names []string) error {
	count := map[string]int{}
	for _, c := range creds {
		count[c.Name]++
	}
	var dups []string
	for _, n := range names {
		if count[n] > 1 {
			dups = append(dups, fmt.Sprintf("%s ×%d", n, count[n]))
		}
	}
	if len(dups) > 0 {
		return fmt.Errorf("ICA holds duplicate credentials: %s", strings.Join(dups, ", "))
	}
	return nil
}

// credentialTarget: ica_secret_credential. "update" sends new secrets (:updateSecrets), "rotate" shares it.
var credentialTarget = faultTarget{
	configs: func(env *faultEnv, phase string) (string, string) {
		cfg := func(version int, shared bool) string {
			return acctest.ProviderConfig(env.emu, nil) + fmt.Sprintf(`
resource "ica_secret_credential" "c" {
  name                         = %q
  access_key_id                = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo         = "secret-version-%d"
  secret_access_key_wo_version = %d
  shared                       = %t
}
`, env.token, version, version, shared)
		}
		if phase == "rotate" {
			return cfg(1, false), cfg(1, true)
		}
		return cfg(1, false), cfg(2, false)
	},
	credentialNames: func(env *faultEnv) []string { return []string{env.token} },
}

var createCredentialStep = regexp.MustCompile(`(?is)create\s+ICA\s+storage\s+credential`)

func credentialFaultCases() []faultCase {
	return []faultCase{
		{name: "create/503x2", phase: "create", transient: true, ica: icaFault("POST", "/api/storageCredentials", 503, 2)},
		{name: "create/429x3", phase: "create", transient: true, ica: icaFault("POST", "/api/storageCredentials", 429, 3)},
		// A create that failed with a 500 or a lost connection may have happened, so the ICA client does not
		// repeat it (internal/ica/retry.go): the apply fails naming the step, and the next apply adopts or
		// creates it by name without a duplicate.
		{name: "create/500x1-ambiguous", phase: "create", ica: icaFault("POST", "/api/storageCredentials", 500, 1), step: createCredentialStep},
		{name: "create/drop-ambiguous", phase: "create", ica: &acctest.Fault{Method: "POST", Path: "/api/storageCredentials", Drop: true, Count: 1}, step: regexp.MustCompile(`(?is)create\s+ICA\s+storage\s+credential.*next\s+apply\s+adopts`)},
		{name: "create/slow", phase: "create", transient: true, ica: &acctest.Fault{Method: "POST", Path: "/api/storageCredentials", Delay: 2 * time.Second, Count: 1}},
		{name: "create/token-503", phase: "create", transient: true, ica: icaFault("POST", "/api/tokens", 503, 2)},
		{name: "create/list-503", phase: "create", transient: true, ica: icaFault("GET", "/api/storageCredentials", 503, 2)},
		{name: "create/500-permanent", phase: "create", ica: icaFault("POST", "/api/storageCredentials", 500, permanent), step: createCredentialStep},
		{name: "create/token-401-permanent", phase: "create", ica: icaFault("POST", "/api/tokens", 401, permanent), step: regexp.MustCompile(`(?is)ICA.*401`)},
		{name: "update/503x2", phase: "update", transient: true, ica: icaFault("POST", "/api/storageCredentials/*", 503, 2)},
		{name: "update/drop", phase: "update", transient: true, ica: &acctest.Fault{Method: "POST", Path: "/api/storageCredentials/*", Drop: true, Count: 1}},
		{name: "update/500-permanent", phase: "update", ica: icaFault("POST", "/api/storageCredentials/*", 500, permanent), step: regexp.MustCompile(`(?is)update\s+the\s+secrets`)},
		{name: "update/refresh-503x2", phase: "update", transient: true, ica: icaFault("GET", "/api/storageCredentials/*", 503, 2)},
		{name: "rotate/share-429x2", phase: "rotate", transient: true, ica: icaFault("POST", "/api/storageCredentials/*", 429, 2)},
		{name: "rotate/share-503-permanent", phase: "rotate", ica: icaFault("POST", "/api/storageCredentials/*", 503, permanent), step: regexp.MustCompile(`(?is)share`)},
		// Destroy only forgets (ICA has no delete API), after the refresh that Terraform runs first.
		{name: "destroy/refresh-503x2", phase: "destroy", transient: true, ica: icaFault("GET", "/api/storageCredentials/*", 503, 2)},
	}
}

func TestFaultsSecretCredential(t *testing.T) {
	requireAcc(t)
	for _, fc := range credentialFaultCases() {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, credentialTarget, fc)
		})
	}
}

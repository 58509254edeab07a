package reliability

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
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
	// ambiguous faults hit a write that happened although its answer was lost: the apply may succeed or fail
	// naming the step; either way the next apply converges with no duplicate.
	ambiguous bool
}

// faultsInjected counts the scenarios that passed, for RELIABILITY.md.
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
	// converged, when set, checks the objects after the convergence step.
	converged func(t *testing.T, env *faultEnv) error
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
	var inFaultStep bool
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
	clearFaults := func() {
		inFaultStep = false
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
	if !fc.transient && !fc.ambiguous {
		faultStep.ExpectError = fc.step
	}
	// An ambiguous fault step may fail; ErrorCheck (used only by steps without ExpectError) accepts that
	// failure when it names the step, and only during that step.
	errorCheck := func(err error) error {
		if fc.ambiguous && inFaultStep && fc.step.MatchString(err.Error()) {
			return nil
		}
		return err
	}
	if fc.ambiguous {
		pre := faultStep.PreConfig
		faultStep.PreConfig = func() { inFaultStep = true; pre() }
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
	steps = append(steps, resource.TestStep{PreConfig: clearFaults, Config: after, Check: func(s *terraform.State) error {
		if !fc.transient {
			if err := fired(s); err != nil {
				return err
			}
		}
		if target.converged != nil {
			return target.converged(t, env)
		}
		return nil
	}})

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps:                    steps,
		ErrorCheck:               errorCheck,
		CheckDestroy: func(*terraform.State) error {
			if objs := scenarioObjects(t, m, env.token, env.bucket); !objs.empty() {
				return fmt.Errorf("destroy left AWS objects behind: %s", objs)
			}
			return noDuplicateCredentials(env.emu.Credentials(t))
		},
	})
	if !t.Failed() {
		faultsInjected.Add(1)
	}
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
func noDuplicateCredentials(creds []acctest.EmulatorCredential) error {
	count := map[string]int{}
	for _, c := range creds {
		count[c.Name]++
	}
	var dups []string
	for n, c := range count {
		if c > 1 {
			dups = append(dups, fmt.Sprintf("%s ×%d", n, c))
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
	cases := credentialFaultCases()
	before := faultsInjected.Load()
	t.Cleanup(func() { t.Logf("fault scenarios passed: %d of %d", faultsInjected.Load()-before, len(cases)) })
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, credentialTarget, fc)
		})
	}
}

// connectionTarget: ica_s3_connection. "update" changes the prefix (a new policy version) and the CORS
// origins, "rotate" changes rotation_trigger.
var connectionTarget = faultTarget{
	configs: func(env *faultEnv, phase string) (string, string) {
		cfg := func(prefix, origin, rotation string) string {
			return env.front.providerConfig(env.emu) + fmt.Sprintf(`
resource "ica_s3_connection" "c" {
  bucket               = %q
  prefix               = %q
  cors_allowed_origins = [%q]
  rotation_trigger     = %q
  tags                 = { scenario = %q }
}
`, env.bucket, prefix, origin, rotation, env.token)
		}
		v0 := cfg("ica", "https://ica.illumina.com", "1")
		switch phase {
		case "update":
			return v0, cfg("ica/v2", "https://ica.example.org", "1")
		case "rotate":
			return v0, cfg("ica", "https://ica.illumina.com", "2")
		}
		return v0, v0
	},
	converged: func(t *testing.T, env *faultEnv) error {
		objs := scenarioObjects(t, env.front.Moto, env.token, env.bucket)
		if len(objs.Users) != 1 || len(objs.Keys) != 1 || len(objs.Policies) != 1 || objs.CORSRules[env.bucket] != 1 {
			return fmt.Errorf("want exactly 1 user, 1 key, 1 policy, 1 CORS rule after converging; have %s", objs)
		}
		for _, c := range env.emu.Credentials(t) {
			if c.AccessKeyID == objs.Keys[0] {
				return nil
			}
		}
		return fmt.Errorf("no ICA credential holds the user's only key %s: %+v", objs.Keys[0], env.emu.Credentials(t))
	},
}

func awsFault(service, op string, kind awsproxy.Kind, count int) *awsproxy.Fault {
	return &awsproxy.Fault{Service: service, Operation: op, Kind: kind, Count: count}
}

// step builds the pattern an error must match to name a step: the AWS operation or its words.
func step(alternatives ...string) *regexp.Regexp {
	for i, a := range alternatives {
		alternatives[i] = strings.Join(strings.Fields(a), `\s+`)
	}
	return regexp.MustCompile(`(?is)(` + strings.Join(alternatives, "|") + `)`)
}

func connectionFaultCases() []faultCase {
	throttle, server := awsproxy.KindThrottle, awsproxy.KindServerError
	return []faultCase{
		// create: every AWS write throttled twice, then the ICA create.
		{name: "create/PutBucketCors-throttle", phase: "create", transient: true, aws: awsFault("s3", "PutBucketCors", throttle, 2)},
		{name: "create/GetBucketCors-500", phase: "create", transient: true, aws: awsFault("s3", "GetBucketCors", server, 1)},
		{name: "create/CreatePolicy-throttle", phase: "create", transient: true, aws: awsFault("iam", "CreatePolicy", throttle, 2)},
		{name: "create/CreatePolicy-drop", phase: "create", transient: true, aws: awsFault("iam", "CreatePolicy", awsproxy.KindDrop, 1)},
		{name: "create/CreateUser-throttle", phase: "create", transient: true, aws: awsFault("iam", "CreateUser", throttle, 2)},
		{name: "create/AttachUserPolicy-throttle", phase: "create", transient: true, aws: awsFault("iam", "AttachUserPolicy", throttle, 2)},
		{name: "create/CreateAccessKey-throttle", phase: "create", transient: true, aws: awsFault("iam", "CreateAccessKey", throttle, 2)},
		{name: "create/CreateAccessKey-slow", phase: "create", transient: true, aws: &awsproxy.Fault{Service: "iam", Operation: "CreateAccessKey", Kind: awsproxy.KindDelay, Delay: 2 * time.Second, Count: 1}},
		{name: "create/ica-429x2", phase: "create", transient: true, ica: icaFault("POST", "/api/storageCredentials", 429, 2)},
		{name: "create/ica-503x2", phase: "create", transient: true, ica: icaFault("POST", "/api/storageCredentials", 503, 2)},
		{name: "create/CreateUser-500-permanent", phase: "create", aws: awsFault("iam", "CreateUser", server, 0), step: step("CreateUser", "create IAM user", "IAM user")},
		{name: "create/CreateAccessKey-500-permanent", phase: "create", aws: awsFault("iam", "CreateAccessKey", server, 0), step: step("CreateAccessKey", "access key")},
		{name: "create/PutBucketCors-500-permanent", phase: "create", aws: awsFault("s3", "PutBucketCors", server, 0), step: step("PutBucketCors", "CORS")},
		{name: "create/ica-503-permanent", phase: "create", ica: icaFault("POST", "/api/storageCredentials", 503, permanent), step: step("ICA storage credential", "ICA credential")},
		// The write happened but the answer was lost: the SDK's retry meets an existing user; the apply
		// adopts it (or fails naming the step) and the next apply converges to one user.
		{name: "create/CreateUser-lost-answer", phase: "create", ambiguous: true, aws: &awsproxy.Fault{Service: "iam", Operation: "CreateUser", Kind: server, Count: 1, AfterForward: true}, step: step("CreateUser", "IAM user")},
		{name: "create/CreateAccessKey-lost-answer", phase: "create", ambiguous: true, aws: &awsproxy.Fault{Service: "iam", Operation: "CreateAccessKey", Kind: server, Count: 1, AfterForward: true}, step: step("CreateAccessKey", "access key")},

		// update
		{name: "update/CreatePolicyVersion-throttle", phase: "update", transient: true, aws: awsFault("iam", "CreatePolicyVersion", throttle, 2)},
		{name: "update/PutBucketCors-throttle", phase: "update", transient: true, aws: awsFault("s3", "PutBucketCors", throttle, 2)},
		{name: "update/CreatePolicyVersion-500-permanent", phase: "update", aws: awsFault("iam", "CreatePolicyVersion", server, 0), step: step("CreatePolicyVersion", "policy")},

		// rotation
		{name: "rotate/CreateAccessKey-throttle", phase: "rotate", transient: true, aws: awsFault("iam", "CreateAccessKey", throttle, 2)},
		{name: "rotate/DeleteAccessKey-throttle", phase: "rotate", transient: true, aws: awsFault("iam", "DeleteAccessKey", throttle, 2)},
		{name: "rotate/updateSecrets-503x2", phase: "rotate", transient: true, ica: icaFault("POST", "/api/storageCredentials/*", 503, 2)},
		{name: "rotate/updateSecrets-500-permanent", phase: "rotate", ica: icaFault("POST", "/api/storageCredentials/*", 500, permanent), step: step("updateSecrets", "update the secrets", "ICA")},
		{name: "rotate/CreateAccessKey-500-permanent", phase: "rotate", aws: awsFault("iam", "CreateAccessKey", server, 0), step: step("CreateAccessKey", "access key")},
		{name: "rotate/DeleteAccessKey-500-permanent", phase: "rotate", aws: awsFault("iam", "DeleteAccessKey", server, 0), step: step("DeleteAccessKey", "old key", "access key")},

		// destroy
		{name: "destroy/DeleteAccessKey-throttle", phase: "destroy", transient: true, aws: awsFault("iam", "DeleteAccessKey", throttle, 2)},
		{name: "destroy/DetachUserPolicy-throttle", phase: "destroy", transient: true, aws: awsFault("iam", "DetachUserPolicy", throttle, 2)},
		{name: "destroy/DeleteUser-throttle", phase: "destroy", transient: true, aws: awsFault("iam", "DeleteUser", throttle, 2)},
		{name: "destroy/DeletePolicy-throttle", phase: "destroy", transient: true, aws: awsFault("iam", "DeletePolicy", throttle, 2)},
		{name: "destroy/cors-throttle", phase: "destroy", transient: true, aws: awsFault("s3", "*BucketCors", throttle, 2)},
		{name: "destroy/DeleteUser-500-permanent", phase: "destroy", aws: awsFault("iam", "DeleteUser", server, 0), step: step("DeleteUser", "IAM user")},
		{name: "destroy/DeletePolicy-500-permanent", phase: "destroy", aws: awsFault("iam", "DeletePolicy", server, 0), step: step("DeletePolicy", "policy")},
		// AWS refuses to delete a policy with non-default versions (moto does not): the destroy lists the
		// versions, deletes the extra ones and tries again.
		{name: "destroy/DeletePolicy-DeleteConflict-once", phase: "destroy", transient: true, aws: &awsproxy.Fault{Service: "iam", Operation: "DeletePolicy", Kind: awsproxy.KindError, Status: 409, Code: "DeleteConflict", Message: "This policy has more than one version.", Count: 1}},
		// Something the provider does not manage holds the user: the error names the step.
		{name: "destroy/DeleteUser-DeleteConflict-permanent", phase: "destroy", aws: &awsproxy.Fault{Service: "iam", Operation: "DeleteUser", Kind: awsproxy.KindError, Status: 409, Code: "DeleteConflict", Message: "Cannot delete entity, must detach all policies first."}, step: step("deleting IAM user")},
	}
}

func TestFaultsS3Connection(t *testing.T) {
	requireAcc(t)
	cases := connectionFaultCases()
	before := faultsInjected.Load()
	t.Cleanup(func() { t.Logf("fault scenarios passed: %d of %d", faultsInjected.Load()-before, len(cases)) })
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, connectionTarget, fc)
		})
	}
}

// storageTarget: ica_storage_configuration on a connection's credential, validated by the emulator against
// moto. "update" changes revalidate_trigger (:validate, then waiting), "rotate" shares it.
var storageTarget = faultTarget{
	configs: func(env *faultEnv, phase string) (string, string) {
		cfg := func(revalidate string, shared bool) string {
			return env.front.providerConfig(env.emu) + fmt.Sprintf(`
data "ica_region" "us" {
  name = "United States"
}

resource "ica_s3_connection" "c" {
  bucket = %q
  prefix = "ica"
}

resource "ica_storage_configuration" "s" {
  name               = %q
  credential_id      = ica_s3_connection.c.credential_id
  region_id          = data.ica_region.us.id
  bucket             = %q
  prefix             = "ica"
  revalidate_trigger = %q
  shared             = %t
}
`, env.bucket, env.token, env.bucket, revalidate, shared)
		}
		switch phase {
		case "update":
			return cfg("1", false), cfg("2", false)
		case "rotate":
			return cfg("1", false), cfg("1", true)
		}
		return cfg("1", false), cfg("1", false)
	},
	converged: func(t *testing.T, env *faultEnv) error {
		names := map[string]int{}
		for _, c := range listStorageConfigurations(t, env.emu) {
			names[c.Name]++
		}
		if names[env.token] != 1 {
			return fmt.Errorf("ICA holds %d storage configurations named %s, want 1", names[env.token], env.token)
		}
		return nil
	},
}

// listStorageConfigurations reads ICA's list, as a user of the API would.
func listStorageConfigurations(t *testing.T, emu *acctest.Emulator) []ica.StorageConfigurationWithDetails {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, emu.URL+"/api/storageConfigurations", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", emu.APIKey)
	req.Header.Set("Accept", "application/vnd.illumina.v3+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/storageConfigurations: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Items []ica.StorageConfigurationWithDetails `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/storageConfigurations: %s, %v", resp.Status, err)
	}
	return body.Items
}

var createStorageStep = regexp.MustCompile(`(?is)create\s+ICA\s+storage\s+configuration`)

func storageFaultCases() []faultCase {
	const create, sub = "/api/storageConfigurations", "/api/storageConfigurations/*"
	return []faultCase{
		{name: "create/503x2", phase: "create", transient: true, ica: icaFault("POST", create, 503, 2)},
		{name: "create/429x3", phase: "create", transient: true, ica: icaFault("POST", create, 429, 3)},
		{name: "create/status-poll-503x2", phase: "create", transient: true, ica: icaFault("GET", sub, 503, 2)},
		{name: "create/slow", phase: "create", transient: true, ica: &acctest.Fault{Method: "POST", Path: create, Delay: 2 * time.Second, Count: 1}},
		{name: "create/500x1-ambiguous", phase: "create", ica: icaFault("POST", create, 500, 1), step: createStorageStep},
		{name: "create/503-permanent", phase: "create", ica: icaFault("POST", create, 503, permanent), step: createStorageStep},
		{name: "update/validate-503x2", phase: "update", transient: true, ica: icaFault("POST", sub, 503, 2)},
		{name: "update/validate-500-permanent", phase: "update", ica: icaFault("POST", sub, 500, permanent), step: regexp.MustCompile(`(?is)validate\s+ICA\s+storage\s+configuration`)},
		{name: "rotate/share-429x2", phase: "rotate", transient: true, ica: icaFault("POST", sub, 429, 2)},
		{name: "rotate/share-503-permanent", phase: "rotate", ica: icaFault("POST", sub, 503, permanent), step: regexp.MustCompile(`(?is)share\s+ICA\s+storage\s+configuration`)},
		{name: "destroy/refresh-503x2", phase: "destroy", transient: true, ica: icaFault("GET", sub, 503, 2)},
	}
}

func TestFaultsStorageConfiguration(t *testing.T) {
	requireAcc(t)
	cases := storageFaultCases()
	before := faultsInjected.Load()
	t.Cleanup(func() { t.Logf("fault scenarios passed: %d of %d", faultsInjected.Load()-before, len(cases)) })
	for _, fc := range cases {
		t.Run(fc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, storageTarget, fc)
		})
	}
}

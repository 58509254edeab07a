package reliability

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// interruptionsSurvived counts killed applies that a re-apply then converged, for RELIABILITY.md;
// recoveredByImport counts those among them that needed the documented import first (a kill after the
// claim reached AWS: see claimRecovery).
var interruptionsSurvived, recoveredByImport atomic.Int64

// chaosSettings reads CHAOS_COUNT (iterations per scenario) and CHAOS_SEED (default 1; iteration i uses
// seed+i and logs it, so any run can be replayed). Without CHAOS_COUNT: 20 when the chaos tests were asked for
// by name (`make test-chaos` runs -run Chaos), 5 inside the whole suite (`make test`, CI). `-short` skips them.
func chaosSettings(t *testing.T) (count int, seed uint64) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the chaos tests kill and re-run terraform many times")
	}
	count = 5
	if run := flag.Lookup("test.run"); run != nil && strings.Contains(run.Value.String(), "Chaos") {
		count = 20
	}
	if raw := os.Getenv("CHAOS_COUNT"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			t.Fatalf("CHAOS_COUNT=%q is not a positive number", raw)
		}
		count = n
	}
	seed = 1
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("CHAOS_SEED=%q is not a number", s)
		}
	}
	return count, seed
}

// TestChaosInterruptedCreate kills terraform (and its provider, by process group, as when a CI runner dies)
// in the middle of creating a connection and a storage configuration on it, then checks that a plain
// re-apply converges to exactly one user, key, policy, CORS rule, ICA credential (holding the surviving key)
// and storage configuration (status OK), that the plan is then empty, and that destroy leaves nothing.
//
// Kill points are write boundaries, not wall-clock times (terraform's start-up would swallow most of those):
// a calibration run counts the writes (AWS and ICA) of the operation; each iteration draws one of them and
// whether the kill comes just before it is sent (it never happens) or just after it happened (its answer is
// lost).
func TestChaosInterruptedCreate(t *testing.T) {
	runChaos(t, chaosCreate)
}

// TestChaosInterruptedRotation does the same to a key rotation: afterwards the user has one key and ICA
// holds that key.
func TestChaosInterruptedRotation(t *testing.T) {
	runChaos(t, chaosRotation)
}

// TestChaosInterruptedUpdate does the same to an in-place update (policy version, CORS rule, tags).
func TestChaosInterruptedUpdate(t *testing.T) {
	runChaos(t, chaosUpdate)
}

// TestChaosInterruptedDestroy kills a destroy at its writes: running destroy again must remove everything
// that is left (missing parts are not errors).
func TestChaosInterruptedDestroy(t *testing.T) {
	runChaos(t, chaosDestroy)
}

// TestChaosClaimWindow kills a create exactly in the window no ownership proof can close (DESIGN.md, "Own
// only what is ours"): just before the second of the two claim tags reaches AWS (one half of the pair
// claimed), and just after it. The re-apply must refuse, naming the import and recording nothing
// (a half-claimed pair is never half adopted); the documented recovery (import, apply) must then converge
// to the same end state as every other kill. The seeded runs above reach this window only by chance.
func TestChaosClaimWindow(t *testing.T) {
	chaosSettings(t)
	m, emu, writes := calibrate(t, chaosCreate)
	isClaim := func(w string) bool { return w == "iam:TagUser" || w == "iam:TagPolicy" }
	if n := len(slices.DeleteFunc(slices.Clone(writes), func(w string) bool { return !isClaim(w) })); n != 2 {
		t.Fatalf("want two claim tags among the create's writes, got %d: %v", n, writes)
	}
	// The two tags are sent in parallel: a kill just before the second is passed on leaves one half claimed.
	for _, tc := range []struct {
		name  string
		at    int
		after bool
	}{{"before the second claim tag", 2, false}, {"after both claim tags", 2, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newChaosRun(t, m, emu)
			r.prepare(chaosCreate)
			r.kill.only = isClaim // at counts the claim tags only
			if killedAt := r.killAt(t, chaosCreate, tc.at, tc.after); killedAt == "" {
				t.Fatalf("the create finished before write %d", tc.at)
			}
			out, err := r.d.run(chaosCreate.command()...)
			if err == nil {
				t.Fatalf("the re-apply adopted objects claimed by a token it does not know:\n%s", out)
			}
			if !claimRecovery(t, r.d, r.kill, "ica_s3_connection.c", out) {
				t.Fatalf("the refusal does not name the import:\n%s", out)
			}
			r.d.must(chaosCreate.command()...)
			r.finish(t, chaosCreate)
		})
	}
}

type chaosMode string

const (
	chaosCreate   chaosMode = "create"
	chaosRotation chaosMode = "rotation"
	chaosUpdate   chaosMode = "update"
	chaosDestroy  chaosMode = "destroy"
)

// command is the terraform command the mode interrupts.
func (m chaosMode) command() []string {
	if m == chaosDestroy {
		return []string{"destroy", "-auto-approve", "-no-color"}
	}
	return []string{"apply", "-auto-approve", "-no-color"}
}

// calibrate starts moto and an emulator for a chaos test and runs the mode's operation once,
// uninterrupted, returning the writes it made in order.
func calibrate(t *testing.T, mode chaosMode) (*acctest.Moto, *acctest.Emulator, []string) {
	t.Helper()
	requireAcc(t)
	m := acctest.SharedMoto(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{AWSEndpoint: m.Endpoint, ValidationDelay: 200 * time.Millisecond})
	calib := newChaosRun(t, m, emu)
	calib.prepare(mode)
	calib.d.must(mode.command()...)
	writes := calib.kill.seen()
	calib.finish(t, mode)
	return m, emu, writes
}

func runChaos(t *testing.T, mode chaosMode) {
	count, seed := chaosSettings(t)
	m, emu, writes := calibrate(t, mode)
	if len(writes) == 0 {
		t.Fatalf("an uninterrupted %s made no writes: nothing to interrupt", mode)
	}
	t.Logf("an uninterrupted %s makes %d writes: %s", mode, len(writes), strings.Join(writes, ", "))

	before, beforeImport := interruptionsSurvived.Load(), recoveredByImport.Load()
	t.Cleanup(func() {
		t.Logf("%s: %d of %d iterations killed midway and converged (%d of them through the documented import)",
			mode, interruptionsSurvived.Load()-before, count, recoveredByImport.Load()-beforeImport)
	})
	for i := 0; i < count; i++ {
		iterSeed := seed + uint64(i)
		t.Run(fmt.Sprintf("seed-%d", iterSeed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(iterSeed, 0x1ca))
			at := rng.IntN(len(writes)) + 1
			afterForward := rng.IntN(2) == 1
			point := fmt.Sprintf("before write %d", at)
			if afterForward {
				point = fmt.Sprintf("after write %d", at)
			}

			r := newChaosRun(t, m, emu)
			r.prepare(mode)
			killedAt := r.killAt(t, mode, at, afterForward)
			if killedAt == "" {
				t.Logf("seed %d: the %s finished before %s", iterSeed, mode, point)
			} else {
				// What the kill left behind: the state the re-run has to recover from.
				objs := scenarioObjects(t, m, r.bucket, r.bucket)
				t.Logf("seed %d: killed the %s %s (%s), leaving %d user(s), %d key(s), %d polic(ies), %d CORS rule(s), %d ICA credential(s)",
					iterSeed, mode, point, killedAt, len(objs.Users), len(objs.Keys), len(objs.Policies), objs.CORSRules[r.bucket], r.credentials(t))
			}

			out, err := r.d.run(mode.command()...)
			imported := false
			if err != nil && killedAt != "" {
				imported = claimRecovery(t, r.d, r.kill, "ica_s3_connection.c", out)
				if imported {
					out, err = r.d.run(mode.command()...)
				}
			}
			if err != nil {
				t.Fatalf("seed %d: re-running the %s after the kill %s failed: %v\n%s", iterSeed, mode, point, err, out)
			}
			r.finish(t, mode)
			if killedAt != "" && !t.Failed() {
				interruptionsSurvived.Add(1)
				if imported {
					recoveredByImport.Add(1)
				}
			}
		})
	}
}

type chaosRun struct {
	moto   *acctest.Moto
	emu    *acctest.Emulator
	d      *tfDir
	bucket string
	kill   *killSwitch
}

// newChaosRun makes a bucket and a working directory whose provider reaches moto and the emulator through
// the run's kill switch.
func newChaosRun(t *testing.T, m *acctest.Moto, emu *acctest.Emulator) *chaosRun {
	t.Helper()
	r := &chaosRun{moto: m, emu: emu, d: newTFDir(t, false), bucket: acctest.RandomName("chaos-")}
	createBucket(t, m, r.bucket, "")
	var provider string
	provider, r.kill = killableProvider(t, m, emu)
	r.d.write(provider + fmt.Sprintf(`
variable "rotation" {
  type = string
}

variable "update" {
  type = string
}

data "ica_region" "us" {
  name = "United States"
}

resource "ica_s3_connection" "c" {
  bucket           = %q
  prefix           = "data"
  rotation_trigger = var.rotation
  # The update changes the policy (a KMS statement: a new policy version), the CORS rule and the tags.
  kms_key_arn          = var.update == "1" ? "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" : null
  cors_allowed_origins = var.update == "1" ? ["https://ica.illumina.com", "https://ica.example.org"] : ["https://ica.illumina.com"]
  tags                 = { generation = var.update }
}

resource "ica_storage_configuration" "s" {
  name          = %q
  credential_id = ica_s3_connection.c.credential_id
  region_id     = data.ica_region.us.id
  bucket        = %q
  prefix        = "data"
}

data "ica_storage_bundle" "us" {
  region_id = data.ica_region.us.id
}

# The update also changes the project in place (a read-modify-write PUT).
resource "ica_project" "p" {
  name                            = %q
  region_id                       = data.ica_region.us.id
  storage_bundle_id               = data.ica_storage_bundle.us.id
  storage_configuration_id        = ica_storage_configuration.s.id
  storage_configuration_subfolder = "runs"
  short_description               = "generation ${var.update}"
}
`, r.bucket, r.bucket, r.bucket, r.bucket))
	return r
}

// prepare brings the scenario to its starting point (except for create, the configuration applied with
// rotation "1" and update "0"), sets the variables of the operation to interrupt, and starts counting writes
// from there.
func (r *chaosRun) prepare(mode chaosMode) {
	if mode != chaosCreate {
		r.d.setVars(map[string]string{"rotation": "1", "update": "0"})
		r.d.must("apply", "-auto-approve", "-no-color")
	}
	vars := map[string]string{"rotation": "1", "update": "0"}
	switch mode {
	case chaosRotation:
		vars["rotation"] = "2"
	case chaosUpdate:
		vars["update"] = "1"
	}
	r.d.setVars(vars)
	r.kill.reset()
}

// finish checks the end state after the operation completed and, unless it was a destroy, destroys and
// checks that nothing is left.
func (r *chaosRun) finish(t *testing.T, mode chaosMode) {
	t.Helper()
	if mode == chaosDestroy {
		if objs := scenarioObjects(t, r.moto, r.bucket, r.bucket); !objs.empty() {
			t.Errorf("destroy left AWS objects behind: %s", objs)
		}
		r.verifyProject(t, true)
		return
	}
	r.verifyConverged(t)
	r.destroy(t)
}

// killAt starts the mode's command and SIGKILLs its process group at the at-th write (before it is forwarded,
// or after it was answered upstream). It returns the write it killed at, or "" when the command ended first.
func (r *chaosRun) killAt(t *testing.T, mode chaosMode, at int, afterForward bool) string {
	t.Helper()
	killedAt, out, err := runKilled(t, r.d, r.kill, mode.command(), at, afterForward)
	if killedAt == "" && err != nil {
		t.Fatalf("the %s to be interrupted failed on its own: %v\n%s", mode, err, out)
	}
	return killedAt
}

// runKilled runs a terraform command and SIGKILLs its process group (terraform and the provider plugin it
// launched, as when a CI runner dies) at the at-th write through k. It returns the write it killed at
// ("" when the command ended first), the output and the command's error.
func runKilled(t *testing.T, d *tfDir, k *killSwitch, args []string, at int, afterForward bool) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, out := d.command(ctx, args...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting terraform %v: %v", args, err)
	}
	k.arm(at, afterForward, func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	err := cmd.Wait()
	k.disarm()
	killedAt := k.firedAt()
	note := "(not killed)"
	if killedAt != "" {
		note = "(killed at " + killedAt + ")"
	}
	d.keep(append(slices.Clone(args), note), out.String())
	return killedAt, out.String(), err
}

// verifyConverged checks the end state after a successful apply: one of each object, ICA holds the key that
// exists, and the plan is empty.
func (r *chaosRun) verifyConverged(t *testing.T) {
	t.Helper()
	objs := scenarioObjects(t, r.moto, r.bucket, r.bucket)
	if len(objs.Users) != 1 || len(objs.Keys) != 1 || len(objs.Policies) != 1 || objs.CORSRules[r.bucket] != 1 {
		t.Fatalf("after re-apply want exactly 1 user, 1 key, 1 policy, 1 CORS rule; have %s", objs)
	}
	key := objs.Keys[0]
	status, err := r.moto.IAM.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(objs.Users[0])})
	if err != nil {
		t.Fatal(err)
	}
	if st := status.AccessKeyMetadata[0].Status; st != "Active" {
		t.Errorf("the remaining key %s is %s, want Active", key, st)
	}
	var holders []string
	for _, c := range r.emu.Credentials(t) {
		if c.AccessKeyID == key {
			holders = append(holders, c.Name)
		}
	}
	if len(holders) != 1 {
		t.Errorf("ICA credentials holding the key %s: %v, want exactly one", key, holders)
	}
	if err := noDuplicateCredentials(r.emu.Credentials(t)); err != nil {
		t.Error(err)
	}
	var configs []string
	for _, c := range listStorageConfigurations(t, r.emu) {
		if c.Name == r.bucket {
			configs = append(configs, c.ID+" "+c.Status)
		}
	}
	if len(configs) != 1 || !strings.HasSuffix(configs[0], " OK") {
		t.Errorf("ICA storage configurations named %s: %v, want exactly one, OK", r.bucket, configs)
	}
	r.verifyProject(t, false)
	if empty, out := r.d.planIsEmpty(); !empty {
		t.Errorf("plan after re-apply is not empty:\n%s", out)
	}
}

// verifyProject checks that ICA holds exactly one project of the run's name (a create is never duplicated,
// whatever the kill interrupted), hidden after a destroy, and visible on the storage configuration otherwise.
func (r *chaosRun) verifyProject(t *testing.T, hidden bool) {
	t.Helper()
	var projects []icaemulator.ControlProject
	if err := controlGet(r.emu, "/_emulator/projects", &projects); err != nil {
		t.Fatal(err)
	}
	var ours []icaemulator.ControlProject
	for _, p := range projects {
		if p.Name == r.bucket {
			ours = append(ours, p)
		}
	}
	if len(ours) != 1 || ours[0].Hidden != hidden || ours[0].StorageConfigurationSubfolder != "runs" {
		t.Errorf("ICA projects named %s: %+v, want exactly one (hidden: %t) on subfolder runs", r.bucket, ours, hidden)
	}
}

func (r *chaosRun) destroy(t *testing.T) {
	t.Helper()
	r.d.must("destroy", "-auto-approve", "-no-color")
	if objs := scenarioObjects(t, r.moto, r.bucket, r.bucket); !objs.empty() {
		t.Errorf("destroy left AWS objects behind: %s", objs)
	}
}

// credentials counts the ICA credentials named after this run's bucket.
func (r *chaosRun) credentials(t *testing.T) int {
	n := 0
	for _, c := range r.emu.Credentials(t) {
		if strings.Contains(c.Name, r.bucket) {
			n++
		}
	}
	return n
}

// killableProvider is a provider block that reaches moto and the emulator through a new kill switch.
func killableProvider(t *testing.T, m *acctest.Moto, emu *acctest.Emulator) (string, *killSwitch) {
	t.Helper()
	k := &killSwitch{}
	awsURL := k.front(t, m.Endpoint, func(req *http.Request, body []byte) (string, bool) {
		op := awsproxy.Classify(req, body)
		return op.String(), op.Write()
	})
	icaURL := k.front(t, emu.URL, func(req *http.Request, _ []byte) (string, bool) {
		return "ica:" + req.Method + " " + req.URL.Path, isWrite(acctest.EmulatorRequest{Method: req.Method, Path: req.URL.Path})
	})
	provider := acctest.ProviderConfig(emu, m)
	provider = strings.ReplaceAll(provider, m.Endpoint, awsURL)
	return strings.ReplaceAll(provider, emu.URL, icaURL), k
}

// claimFollowsImport finds the import command of the refusal of a claimed object ("belongs to another
// connection ... terraform import ica_s3_connection.NAME ID").
var claimFollowsImport = regexp.MustCompile(`(?s)belongs[\s│]+to[\s│]+another[\s│]+connection.*?terraform[\s│]+import[\s│]+ica_s3_connection\.NAME[\s│]+([^\s│]+)`)

// claimRecovery handles the one kill no ownership proof can resume (DESIGN.md, "own only what is ours"):
// a claim tag (on the user or the policy) reached AWS, the state recording its token was never written, so the re-run meets a user
// claimed by an object it cannot tell from a finished connection whose state lives elsewhere, and refuses
// it. The refusal must name the import, and only this kill may cause it. Then it follows the documented
// recovery: it imports the connection with the ID the error gives (which takes the claim over). It
// reports whether it did; a refusal after any other kill fails the test.
func claimRecovery(t *testing.T, d *tfDir, k *killSwitch, address, out string) bool {
	t.Helper()
	m := claimFollowsImport.FindStringSubmatch(out)
	if m == nil {
		return false
	}
	if !k.forwarded("iam:TagUser") && !k.forwarded("iam:TagPolicy") {
		t.Fatalf("the re-run refused an object as another connection's although no claim tag was passed to AWS (writes %v, killed at %s):\n%s",
			k.seen(), k.firedAt(), out)
	}
	id := strings.TrimRight(m[1], ".,")
	t.Logf("the kill came after the claim reached AWS: recovering as documented with terraform import %s %s", address, id)
	d.must("import", "-no-color", "-input=false", address, id)
	return true
}

// killSwitch sits in front of moto and the emulator for one run. It names the writes that pass (in arrival
// order, AWS and ICA together) and, when armed, runs kill at the chosen one.
type killSwitch struct {
	mu           sync.Mutex
	writes       []string
	at           int
	afterForward bool
	kill         func()
	fired        string
	sent         []string
	// only, when set, makes at count only the writes it accepts.
	only func(string) bool
}

// front serves a reverse proxy to upstream through the switch and returns its URL.
func (k *killSwitch) front(t *testing.T, upstream string, classify func(*http.Request, []byte) (string, bool)) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		// SigV4 signs the Host header: keep the client's, so moto still accepts the signature.
		pr.Out.Host = pr.In.Host
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		name, write := classify(req, body)
		if !write {
			rp.ServeHTTP(w, req)
			return
		}
		kill, after := k.count(name)
		if kill != nil && !after {
			kill()
			http.Error(w, "killed before this write", http.StatusBadGateway)
			return
		}
		k.forward(name)
		rp.ServeHTTP(w, req)
		if kill != nil {
			kill()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// count records a write and returns the kill function when this write is the armed one.
func (k *killSwitch) count(name string) (func(), bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.writes = append(k.writes, name)
	n := len(k.writes)
	if k.only != nil {
		// Count only the writes only accepts (their order among the others varies from run to run).
		n = 0
		for _, w := range k.writes {
			if k.only(w) {
				n++
			}
		}
		if !k.only(name) {
			n = -1
		}
	}
	if k.kill == nil || n != k.at || k.fired != "" {
		return nil, false
	}
	k.fired = name
	return k.kill, k.afterForward
}

func (k *killSwitch) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.writes, k.sent, k.fired = nil, nil, ""
}

func (k *killSwitch) arm(at int, afterForward bool, kill func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.at, k.afterForward, k.kill = at, afterForward, kill
}

func (k *killSwitch) disarm() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.kill = nil
}

func (k *killSwitch) seen() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.writes...)
}

// forward records a write the switch passes upstream. Writes the process had in flight when it was
// killed still arrive and pass, as they may reach AWS when a process dies.
func (k *killSwitch) forward(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sent = append(k.sent, name)
}

// forwarded reports whether a write of that name was passed upstream since the last reset.
func (k *killSwitch) forwarded(name string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Contains(k.sent, name)
}

func (k *killSwitch) firedAt() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fired
}

package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ica-tf/terraform-provider-ica/internal/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
)

// interruptionsSurvived counts killed applies that a re-apply then converged, for RELIABILITY.md.
var interruptionsSurvived atomic.Int64

// chaosSettings reads CHAOS_COUNT (iterations per scenario; the test is skipped without it, so `make test`
// stays fast: `make test-chaos` sets it) and CHAOS_SEED (default 1; iteration i uses seed+i, printed on
// failure, so any run can be replayed).
func chaosSettings(t *testing.T) (count int, seed uint64) {
	t.Helper()
	raw := os.Getenv("CHAOS_COUNT")
	if raw == "" {
		t.Skip("set CHAOS_COUNT (make test-chaos) to kill terraform at random points of applies")
	}
	count, err := strconv.Atoi(raw)
	if err != nil || count < 1 {
		t.Fatalf("CHAOS_COUNT=%q is not a positive number", raw)
	}
	seed = 1
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("CHAOS_SEED=%q is not a number", s)
		}
	}
	return count, seed
}

// chaosEnv is shared by the iterations of one scenario.
type chaosEnv struct {
	moto *acctest.Moto
	emu  *acctest.Emulator
}

func (c *chaosEnv) config(bucket string) string {
	return acctest.ProviderConfig(c.emu, c.moto) + fmt.Sprintf(`
variable "rotation" {
  type = string
}

resource "ica_s3_connection" "c" {
  bucket           = %q
  prefix           = "data"
  rotation_trigger = var.rotation
}
`, bucket)
}

// TestChaosInterruptedCreate kills terraform (and its provider, by process group, as when a CI runner dies)
// at a random point of creating a connection, then checks that a plain re-apply converges to exactly one
// user, key, policy, CORS rule and ICA credential, that ICA holds the surviving key, that the plan is then
// empty, and that destroy leaves nothing.
func TestChaosInterruptedCreate(t *testing.T) {
	runChaos(t, false)
}

// TestChaosInterruptedRotation does the same to a key rotation: afterwards the user has one key and ICA
// holds that key.
func TestChaosInterruptedRotation(t *testing.T) {
	runChaos(t, true)
}

func runChaos(t *testing.T, rotation bool) {
	count, seed := chaosSettings(t)
	requireAcc(t)
	m := acctest.SharedMoto(t)
	env := &chaosEnv{moto: m, emu: acctest.NewEmulator(t, icaemulator.Options{})}

	// Calibrate: how long the interrupted operation takes when left alone bounds the kill points.
	calib := newChaosRun(t, env)
	calib.prepare(rotation)
	start := time.Now()
	calib.d.must("apply", "-auto-approve", "-no-color", "-var", "rotation="+calib.target(rotation))
	full := time.Since(start)
	calib.verifyConverged(t)
	calib.destroy(t)
	t.Logf("an uninterrupted %s takes %s; kill points are drawn from [0, %s)", calib.what(rotation), full.Round(time.Millisecond), full.Round(time.Millisecond))

	before := interruptionsSurvived.Load()
	t.Cleanup(func() {
		t.Logf("%s: %d of %d iterations killed mid-apply and converged", calib.what(rotation), interruptionsSurvived.Load()-before, count)
	})
	for i := 0; i < count; i++ {
		iterSeed := seed + uint64(i)
		t.Run(fmt.Sprintf("seed-%d", iterSeed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(iterSeed, 0x1ca))
			after := time.Duration(rng.Int64N(int64(full)))
			r := newChaosRun(t, env)
			r.prepare(rotation)
			killed := r.killAfter(t, after, rotation)
			t.Logf("seed %d: killed %s after %s (process had finished first: %t)", iterSeed, r.what(rotation), after.Round(time.Millisecond), !killed)

			out, err := r.d.run("apply", "-auto-approve", "-no-color", "-var", "rotation="+r.target(rotation))
			if err != nil {
				t.Fatalf("seed %d: re-apply after the kill at %s failed: %v\n%s", iterSeed, after, err, out)
			}
			r.verifyConverged(t)
			r.destroy(t)
			if killed && !t.Failed() {
				interruptionsSurvived.Add(1)
			}
		})
	}
}

type chaosRun struct {
	env    *chaosEnv
	d      *tfDir
	bucket string
}

func newChaosRun(t *testing.T, env *chaosEnv) *chaosRun {
	r := &chaosRun{env: env, d: newTFDir(t, false), bucket: acctest.RandomName("chaos-")}
	createBucket(t, env.moto, r.bucket, "")
	r.d.write(env.config(r.bucket))
	return r
}

func (r *chaosRun) what(rotation bool) string {
	if rotation {
		return "rotation"
	}
	return "create"
}

func (r *chaosRun) target(rotation bool) string {
	if rotation {
		return "2"
	}
	return "1"
}

// prepare brings a rotation scenario to its starting point: a connection created with trigger "1".
func (r *chaosRun) prepare(rotation bool) {
	if rotation {
		r.d.must("apply", "-auto-approve", "-no-color", "-var", "rotation=1")
	}
}

// killAfter starts the apply and SIGKILLs its process group after the delay; it reports whether the kill
// happened before the apply ended on its own.
func (r *chaosRun) killAfter(t *testing.T, after time.Duration, rotation bool) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd, out := r.d.command(ctx, "apply", "-auto-approve", "-no-color", "-var", "rotation="+r.target(rotation))
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting terraform apply: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		r.d.keep([]string{"apply (not killed)"}, out.String())
		if err != nil {
			t.Fatalf("the apply to be interrupted failed on its own: %v\n%s", err, out.String())
		}
		return false
	case <-time.After(after):
	}
	// Only the process group this test started: terraform and the provider plugin it launched.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	r.d.keep([]string{"apply (killed)"}, out.String())
	return true
}

// verifyConverged checks the end state after a successful apply: one of each object, ICA holds the key that
// exists, and the plan is empty.
func (r *chaosRun) verifyConverged(t *testing.T) {
	t.Helper()
	m := r.env.moto
	objs := scenarioObjects(t, m, r.bucket, r.bucket)
	if len(objs.Users) != 1 || len(objs.Keys) != 1 || len(objs.Policies) != 1 || objs.CORSRules[r.bucket] != 1 {
		t.Fatalf("after re-apply want exactly 1 user, 1 key, 1 policy, 1 CORS rule; have %s", objs)
	}
	key := objs.Keys[0]
	status, err := m.IAM.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String(objs.Users[0])})
	if err != nil {
		t.Fatal(err)
	}
	if st := status.AccessKeyMetadata[0].Status; st != "Active" {
		t.Errorf("the remaining key %s is %s, want Active", key, st)
	}
	var holders []string
	for _, c := range r.env.emu.Credentials(t) {
		if c.AccessKeyID == key {
			holders = append(holders, c.Name)
		}
	}
	if len(holders) != 1 {
		t.Errorf("ICA credentials holding the key %s: %v, want exactly one", key, holders)
	}
	if err := noDuplicateCredentials(r.env.emu.Credentials(t)); err != nil {
		t.Error(err)
	}
	if empty, out := r.d.planIsEmpty(); !empty {
		t.Errorf("plan after re-apply is not empty:\n%s", out)
	}
}

func (r *chaosRun) destroy(t *testing.T) {
	t.Helper()
	r.d.must("destroy", "-auto-approve", "-no-color", "-var", "rotation=x")
	if objs := scenarioObjects(t, r.env.moto, r.bucket, r.bucket); !objs.empty() {
		t.Errorf("destroy left AWS objects behind: %s", objs)
	}
}

package reliability

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/awsproxy"
)

// The tests in this file stall AWS (awsproxy's hang fault) or ICA (the emulator's "hang") under plan, apply,
// destroy and import, and check that each command ends by itself within hangBound with an error that names
// the endpoint. They run the real CLI with short per-attempt limits (hangTimeout, max_retries = 1), so one
// stalled call costs 2 × 2s plus the backoff; at the defaults the same paths cost about 100 s (RELIABILITY.md).

const (
	hangTimeout = 2 * time.Second
	// hangBound is what a command against a stalled endpoint may take here: one stalled call (2 attempts of
	// 2s, at most 2s of backoff), terraform's own start-up, and room for a loaded 2-CPU machine.
	hangBound = 60 * time.Second
)

// hangEnv is one scenario's world: moto behind a fault proxy, the emulator, a bucket and a working directory.
type hangEnv struct {
	t      *testing.T
	moto   *acctest.Moto
	emu    *acctest.Emulator
	proxy  *awsproxy.Proxy
	d      *tfDir
	token  string
	bucket string
}

func newHangEnv(t *testing.T) *hangEnv {
	t.Helper()
	m := acctest.SharedMoto(t)
	p, err := awsproxy.Start(m.Endpoint, awsproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	e := &hangEnv{t: t, moto: m, proxy: p, d: newTFDir(t, false), token: acctest.RandomName("hang-"),
		emu: acctest.NewEmulator(t, icaemulator.Options{AWSEndpoint: m.Endpoint, ValidationDelay: 100 * time.Millisecond})}
	e.bucket = e.token
	createBucket(t, m, e.bucket, "")
	e.write(e.config())
	e.d.setVars(map[string]string{"generation": "1"})
	return e
}

// providerBlock is acctest.ProviderConfig through the proxy, with short per-attempt limits.
func (e *hangEnv) providerBlock() string {
	block := strings.ReplaceAll(acctest.ProviderConfig(e.emu, e.moto), e.moto.Endpoint, e.proxy.URL())
	block = strings.Replace(block, fmt.Sprintf("max_retries = %d", acctest.ProviderMaxRetries),
		fmt.Sprintf("max_retries = 1\n  request_timeout = %q", hangTimeout), 1)
	return strings.Replace(block, "s3_use_path_style = true", fmt.Sprintf("s3_use_path_style = true\n    request_timeout   = %q", hangTimeout), 1)
}

func (e *hangEnv) config() string {
	return fmt.Sprintf(`
variable "generation" {
  type = string
}

resource "ica_s3_connection" "c" {
  bucket = %q
  prefix = "ica"
  # A new generation changes the policy (a KMS statement) and the tags: an update in place.
  kms_key_arn = var.generation == "2" ? "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" : null
  tags        = { generation = var.generation }
}
`, e.bucket)
}

func (e *hangEnv) write(resources string) { e.d.write(e.providerBlock() + resources) }

// timed runs a terraform command and fails the test when it did not end by itself within hangBound.
func (e *hangEnv) timed(label string, args ...string) (string, error) {
	e.t.Helper()
	start := time.Now()
	out, err := e.d.run(append(args, "-no-color")...)
	elapsed := time.Since(start)
	e.t.Logf("%s: terraform %s ended after %.1fs (err: %v)", label, args[0], elapsed.Seconds(), err != nil)
	if elapsed > hangBound {
		e.t.Errorf("%s: terraform %s took %v, more than %v", label, args[0], elapsed.Round(time.Second), hangBound)
	}
	return out, err
}

// mustFail checks that a command failed with every phrase and never with Terraform's "bug in the provider".
func (e *hangEnv) mustFail(label string, out string, err error, want ...string) {
	e.t.Helper()
	if err == nil {
		e.t.Fatalf("%s: the command succeeded against a stalled endpoint:\n%s", label, out)
	}
	if i := strings.Index(out, "Error: "); i >= 0 {
		e.t.Logf("%s: %s", label, strings.Join(strings.Fields(out[i:min(len(out), i+900)]), " "))
	}
	if lacking := missing(out, phrases(want...)); len(lacking) > 0 {
		e.t.Errorf("%s: the error lacks %v:\n%s", label, lacking, out)
	}
	for _, never := range []string{"bug in the provider", "inconsistent final plan", "Plugin did not respond"} {
		if strings.Contains(out, never) {
			e.t.Errorf("%s: the output says %q:\n%s", label, never, out)
		}
	}
}

func (e *hangEnv) hangAWS(f awsproxy.Fault) *awsproxy.Rule {
	e.t.Helper()
	f.Kind = awsproxy.KindHang
	r, err := e.proxy.AddFault(f)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *hangEnv) clear() {
	e.proxy.ClearFaults()
	e.emu.ClearFaults(e.t)
}

// converged checks the end state: an empty plan, exactly one user, key and policy of the scenario, and ICA
// holding that key under one credential of the connection's name.
func (e *hangEnv) converged(label string) {
	e.t.Helper()
	if empty, out := e.d.planIsEmpty(); !empty {
		e.t.Errorf("%s: the plan after convergence is not empty:\n%s", label, out)
	}
	objs := scenarioObjects(e.t, e.moto, e.token, e.bucket)
	if len(objs.Users) != 1 || len(objs.Keys) != 1 || len(objs.Policies) != 1 || objs.CORSRules[e.bucket] != 1 {
		e.t.Errorf("%s: AWS holds %v, want one user, key, policy and CORS rule", label, objs)
	}
	var held []string
	for _, c := range e.emu.Credentials(e.t) {
		if strings.Contains(c.Name, e.token) {
			held = append(held, c.AccessKeyID)
		}
	}
	if len(held) != 1 || len(objs.Keys) != 1 || held[0] != objs.Keys[0] {
		e.t.Errorf("%s: ICA credentials of the scenario hold keys %v, want exactly the one IAM key %v", label, held, objs.Keys)
	}
}

// destroyed destroys (faults cleared) and checks nothing of the scenario stays in AWS.
func (e *hangEnv) destroyed(label string) {
	e.t.Helper()
	e.clear()
	e.d.must("destroy", "-auto-approve", "-no-color")
	if objs := scenarioObjects(e.t, e.moto, e.token, e.bucket); !objs.empty() {
		e.t.Errorf("%s: destroy left %v", label, objs)
	}
}

var (
	awsNoAnswer = []string{"did not answer", "within 2s", "aws { request_timeout }", "HTTPS_PROXY", "VPC endpoint"}
	icaNoAnswer = []string{"did not answer", "within 2s", "request_timeout", "base_url", "HTTPS_PROXY"}
)

// awsAt and icaAt match the endpoint the errors must name.
func awsAt(e *hangEnv) string { return "at " + e.proxy.URL() }
func icaAt(e *hangEnv) string { return "ICA at " + e.emu.URL }

func TestHangPlanRefreshDestroy(t *testing.T) {
	requireAcc(t)
	for _, side := range []string{"aws", "ica"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			e := newHangEnv(t)
			e.d.must("apply", "-auto-approve", "-no-color")
			want := append([]string{awsAt(e)}, awsNoAnswer...)
			stall := func() {
				e.hangAWS(awsproxy.Fault{})
			}
			if side == "ica" {
				want = append([]string{icaAt(e)}, icaNoAnswer...)
				stall = func() { e.emu.InjectFault(t, acctest.Fault{Path: "/api/*", Hang: true}) }
			}
			stall()
			out, err := e.timed("plan", "plan", "-input=false")
			e.mustFail("plan", out, err, append(want, "Nothing was changed")...)
			out, err = e.timed("refresh", "apply", "-refresh-only", "-auto-approve")
			e.mustFail("refresh", out, err, want...)
			out, err = e.timed("destroy", "destroy", "-auto-approve")
			e.mustFail("destroy", out, err, want...)
			e.clear()
			e.converged("after the stall")
			e.destroyed("after the stall")
		})
	}
}

func TestHangApply(t *testing.T) {
	requireAcc(t)
	cases := []struct {
		name  string
		stall func(e *hangEnv)
		want  func(e *hangEnv) []string
	}{
		{"aws everything", func(e *hangEnv) { e.hangAWS(awsproxy.Fault{}) },
			func(e *hangEnv) []string {
				return append([]string{awsAt(e), "Could not read from AWS to plan the connection"}, awsNoAnswer...)
			}},
		{"aws CreateUser before it is made", func(e *hangEnv) { e.hangAWS(awsproxy.Fault{Service: "iam", Operation: "CreateUser"}) },
			func(e *hangEnv) []string {
				return append([]string{"IAM " + awsAt(e), "did not answer CreateUser", "may have taken effect"}, awsNoAnswer...)
			}},
		// A hung write that happened: the next apply finds what it made, with no duplicate.
		{"aws CreateAccessKey after it is made", func(e *hangEnv) {
			e.hangAWS(awsproxy.Fault{Service: "iam", Operation: "CreateAccessKey", AfterForward: true})
		}, func(e *hangEnv) []string {
			return append([]string{"IAM " + awsAt(e), "did not answer CreateAccessKey", "may have taken effect"}, awsNoAnswer...)
		}},
		{"ica create credential after it is made", func(e *hangEnv) {
			e.emu.InjectFault(e.t, acctest.Fault{Method: "POST", Path: "/api/storageCredentials", HangResponse: true})
		}, func(e *hangEnv) []string {
			return append([]string{icaAt(e), "did not answer POST /api/storageCredentials", "may have reached ICA", "adopts it by name"}, icaNoAnswer...)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newHangEnv(t)
			tc.stall(e)
			out, err := e.timed("apply", "apply", "-auto-approve")
			e.mustFail("apply", out, err, tc.want(e)...)
			e.clear()
			e.d.must("apply", "-auto-approve", "-no-color")
			e.converged("the apply after the stall")
			e.destroyed("the apply after the stall")
		})
	}
}

func TestHangImport(t *testing.T) {
	requireAcc(t)
	for _, side := range []string{"aws", "ica"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			e := newHangEnv(t)
			e.d.must("apply", "-auto-approve", "-no-color")
			user := e.d.must("state", "show", "-no-color", "ica_s3_connection.c")
			id := fmt.Sprintf("%s:%s:%s", e.bucket, attrValue(t, user, "iam_user_name"), attrValue(t, user, "credential_name"))
			// A second working directory with the same configuration and an empty state.
			fresh := &hangEnv{t: t, moto: e.moto, emu: e.emu, proxy: e.proxy, d: newTFDir(t, false), token: e.token, bucket: e.bucket}
			fresh.write(e.config())
			fresh.d.setVars(map[string]string{"generation": "1"})
			want := append([]string{awsAt(e)}, awsNoAnswer...)
			if side == "ica" {
				want = append([]string{icaAt(e)}, icaNoAnswer...)
				e.emu.InjectFault(t, acctest.Fault{Path: "/api/*", Hang: true})
			} else {
				e.hangAWS(awsproxy.Fault{})
			}
			out, err := fresh.timed("import", "import", "-input=false", "ica_s3_connection.c", id)
			fresh.mustFail("import", out, err, want...)
			e.clear()
			if state := readAll(t, filepath.Join(fresh.d.dir, "terraform.tfstate")); strings.Contains(state, "ica_s3_connection") {
				t.Errorf("the failed import left the connection in the state:\n%s", state)
			}
			fresh.d.must("import", "-input=false", "-no-color", "ica_s3_connection.c", id)
			e.destroyed("after the import")
		})
	}
}

// TestHangAtDefaults measures what the documented bound promises: with no request_timeout or max_retries set, a
// plan against a stalled AWS or ICA ends by itself in about two minutes (AWS: 3 attempts × 30s + backoff; ICA:
// 5 attempts × 20s + backoff).
func TestHangAtDefaults(t *testing.T) {
	requireAcc(t)
	if testing.Short() {
		t.Skip("-short: two stalled plans at the default limits take about two minutes")
	}
	const bound = 150 * time.Second
	for _, side := range []string{"aws", "ica"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			e := newHangEnv(t)
			e.d.must("apply", "-auto-approve", "-no-color")
			// The same provider block without the short limits and retries.
			block := strings.ReplaceAll(acctest.ProviderConfig(e.emu, e.moto), e.moto.Endpoint, e.proxy.URL())
			block = strings.Replace(block, fmt.Sprintf("max_retries = %d", acctest.ProviderMaxRetries), "", 1)
			e.d.write(block + e.config())
			want := append([]string{awsAt(e), "within 30s", "(3 attempts)"}, awsNoAnswer[0], awsNoAnswer[2])
			if side == "ica" {
				e.emu.InjectFault(t, acctest.Fault{Path: "/api/*", Hang: true})
				want = []string{icaAt(e), "did not answer", "within 20s", "(5 attempts)", "request_timeout"}
			} else {
				e.hangAWS(awsproxy.Fault{})
			}
			start := time.Now()
			out, err := e.d.run("plan", "-input=false", "-no-color")
			elapsed := time.Since(start)
			t.Logf("plan at the default limits against a stalled %s ended after %.1fs", side, elapsed.Seconds())
			if elapsed > bound {
				t.Errorf("plan took %v, more than %v", elapsed.Round(time.Second), bound)
			}
			e.mustFail("plan at defaults", out, err, want...)
			e.write(e.config())
			e.destroyed("after the stalled plan")
		})
	}
}

// attrValue reads one attribute from `terraform state show` output.
func attrValue(t *testing.T, show, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `\s+=\s+"([^"]*)"`).FindStringSubmatch(show)
	if m == nil {
		t.Fatalf("no %s in:\n%s", name, show)
	}
	return m[1]
}

func TestHangSavedPlan(t *testing.T) {
	requireAcc(t)
	for _, mode := range []string{"refused", "hang"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := newHangEnv(t)
			e.d.must("apply", "-auto-approve", "-no-color")
			before := scenarioObjects(t, e.moto, e.token, e.bucket)
			e.d.setVars(map[string]string{"generation": "2"})
			e.d.must("plan", "-out=tfplan", "-input=false", "-no-color")
			icaBefore := len(writes(e.emu.Requests(t)))
			want := []string{"Could not read from AWS to plan the connection", "Nothing was changed"}
			if mode == "refused" {
				e.proxy.Close() // nothing listens on its port any more: every connection is refused
				want = append(want, "connection refused", e.proxy.URL())
			} else {
				e.hangAWS(awsproxy.Fault{})
				want = append(want, awsAt(e))
				want = append(want, awsNoAnswer...)
			}
			out, err := e.timed("apply saved plan", "apply", "tfplan")
			e.mustFail("apply saved plan", out, err, want...)
			// Nothing half-made: AWS and ICA are as they were before the apply.
			if after := scenarioObjects(t, e.moto, e.token, e.bucket); after.String() != before.String() {
				t.Errorf("the failed apply changed AWS: before %v, after %v", before, after)
			}
			if n := len(writes(e.emu.Requests(t))); n != icaBefore {
				t.Errorf("the failed apply wrote to ICA (%d writes before, %d after)", icaBefore, n)
			}
			if mode == "refused" {
				// AWS is back, at a new address (the state holds no endpoint).
				p, err := awsproxy.Start(e.moto.Endpoint, awsproxy.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(p.Close)
				e.proxy = p
				e.write(e.config())
			}
			e.clear()
			e.d.must("apply", "-auto-approve", "-no-color")
			e.destroyed("after the saved plan")
		})
	}
}

// TestHangOnceThenAnswer: a read that stalls once is retried, and the command succeeds.
func TestHangOnceThenAnswer(t *testing.T) {
	requireAcc(t)
	for _, side := range []string{"aws", "ica"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			e := newHangEnv(t)
			e.d.must("apply", "-auto-approve", "-no-color")
			var rule *awsproxy.Rule
			if side == "aws" {
				rule = e.hangAWS(awsproxy.Fault{Service: "iam", Operation: "GetUser", Count: 1})
			} else {
				e.emu.InjectFault(t, acctest.Fault{Method: "GET", Path: "/api/storageCredentials*", Hang: true, Count: 1})
			}
			out, err := e.timed("plan", "plan", "-input=false", "-detailed-exitcode")
			if err != nil {
				t.Fatalf("plan after one stalled read failed: %v\n%s", err, out)
			}
			if rule != nil && rule.Fired() != 1 {
				t.Errorf("the AWS hang fired %d times, want 1", rule.Fired())
			}
			if side == "ica" && !sawStatus(e.emu.Requests(t), 0) {
				t.Error("the ICA hang never fired")
			}
			e.destroyed("after one stalled read")
		})
	}
}

package reliability

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ica-tf/terraform-provider-ica/internal/icaemulator"
	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// TestChaosWorkflow is issue 10's randomised workflow test. Each sequence (its own bucket, seed and working
// directory) drives 2 or 3 connections through seeded random steps users take: create (default or own
// names, with or without create_before_destroy), a create refused at plan for sharing a folder, user or
// credential with a live connection, rotation, an in-place update, a rename of credential_name (a
// replacement), a create_before_destroy rename refused because the policy name is taken and then retried
// with its own policy name, `apply -replace`, `destroy -target` of one connection, and any of the
// changing steps killed midway (the chaos harness's kill switch, at a drawn write) and then re-applied.
//
// After every step it checks: the state holds exactly the live connections (nothing tainted or deposed);
// each one's ICA credential holds the only, active key of that connection's own IAM user, which carries
// the state's claim and has its policy attached; its CORS rule is on the bucket; no two share a user,
// credential or rule; no IAM user, key, policy or CORS rule exists beyond what they own; the next plan is
// empty. At the end destroy leaves nothing.
//
// WORKFLOW_SEQUENCES × WORKFLOW_LENGTH steps (8 × 25 = 200 in `make test-chaos`, 2 × 5 in `make test`),
// seeds WORKFLOW_SEED (default 1), +1, ... A failure prints the command that replays its sequence.
func TestChaosWorkflow(t *testing.T) {
	cfg := workflowSettings(t)
	requireAcc(t)
	m := acctest.SharedMoto(t)
	emu := acctest.NewEmulator(t, icaemulator.Options{AWSEndpoint: m.Endpoint})
	for i := 0; i < cfg.sequences; i++ {
		seed := cfg.seed + uint64(i)
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorkflow(t, m, emu, seed)
			t.Cleanup(func() {
				t.Logf("steps of seed %d:\n  %s", seed, strings.Join(w.log, "\n  "))
				if t.Failed() {
					t.Logf("replay: WORKFLOW_SEED=%d WORKFLOW_SEQUENCES=1 WORKFLOW_LENGTH=%d make test-chaos (or go test ./internal/testing/reliability -run TestChaosWorkflow with TF_ACC=1)",
						seed, len(w.log))
				}
			})
			for i := 1; i <= cfg.length && !t.Failed(); i++ {
				w.step(t, i)
				if !t.Failed() {
					w.verify(t)
				}
			}
			if t.Failed() {
				return
			}
			w.d.must("destroy", "-auto-approve", "-no-color")
			if objs := scenarioObjects(t, m, w.bucket, w.bucket); !objs.empty() {
				t.Errorf("destroy left AWS objects behind: %s", objs)
			}
		})
	}
}

type workflowConfig struct {
	seed              uint64
	sequences, length int
}

func workflowSettings(t *testing.T) workflowConfig {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the workflow test runs terraform for every step")
	}
	c := workflowConfig{seed: 1, sequences: 2, length: 5}
	if run := flag.Lookup("test.run"); run != nil && strings.Contains(run.Value.String(), "Chaos") {
		c.sequences, c.length = 8, 25
	}
	for env, dst := range map[string]*int{"WORKFLOW_SEQUENCES": &c.sequences, "WORKFLOW_LENGTH": &c.length} {
		if raw := os.Getenv(env); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 {
				t.Fatalf("%s=%q is not a positive number", env, raw)
			}
			*dst = n
		}
	}
	if raw := os.Getenv("WORKFLOW_SEED"); raw != "" {
		var err error
		if c.seed, err = strconv.ParseUint(raw, 10, 64); err != nil {
			t.Fatalf("WORKFLOW_SEED=%q is not a number", raw)
		}
	}
	return c
}

// wfConn is the model of one connection: what the configuration says.
type wfConn struct {
	name               string
	live               bool
	folder             string
	user, policy, cred string // own names; "" derives them from the bucket and folder
	cbd                bool
	rotation, tags     int
	// unclaimed: recovered by import from a kill between the two claim tags, so only its policy carries
	// the claim the import took; the next apply that reads the user (any change but a rotation) stamps
	// the user's half (DESIGN.md, "Own only what is ours").
	unclaimed bool
}

type workflow struct {
	m        *acctest.Moto
	emu      *acctest.Emulator
	d        *tfDir
	kill     *killSwitch
	rng      *rand.Rand
	provider string
	bucket   string
	conns    []*wfConn
	names    int
	log      []string
}

func newWorkflow(t *testing.T, m *acctest.Moto, emu *acctest.Emulator, seed uint64) *workflow {
	t.Helper()
	w := &workflow{m: m, emu: emu, d: newTFDir(t, false), rng: rand.New(rand.NewPCG(seed, 0x10)), bucket: acctest.RandomName("wf-")}
	createBucket(t, m, w.bucket, "")
	w.provider, w.kill = killableProvider(t, m, emu)
	for _, name := range []string{"a", "b", "c"}[:2+w.rng.IntN(2)] {
		w.conns = append(w.conns, &wfConn{name: name})
	}
	return w
}

// fresh is a name no step used before; it contains the bucket's, so scenarioObjects finds its objects.
func (w *workflow) fresh(kind string) string {
	w.names++
	return fmt.Sprintf("%s-%s%d", w.bucket, kind, w.names)
}

func (w *workflow) config() string {
	var b strings.Builder
	b.WriteString(w.provider)
	for _, c := range w.conns {
		if !c.live {
			continue
		}
		fmt.Fprintf(&b, "\nresource \"ica_s3_connection\" %q {\n  bucket           = %q\n  prefix           = %q\n  rotation_trigger = \"%d\"\n  tags             = { generation = \"%d\" }\n",
			c.name, w.bucket, c.folder, c.rotation, c.tags)
		for attr, v := range map[string]string{"iam_user_name": c.user, "iam_policy_name": c.policy, "credential_name": c.cred} {
			if v != "" {
				fmt.Fprintf(&b, "  %s = %q\n", attr, v)
			}
		}
		if c.cbd {
			b.WriteString("  lifecycle {\n    create_before_destroy = true\n  }\n")
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func (w *workflow) pick(live bool) *wfConn {
	var out []*wfConn
	for _, c := range w.conns {
		if c.live == live {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out[w.rng.IntN(len(out))]
}

// step draws one step from those the model allows, runs it and checks its outcome.
func (w *workflow) step(t *testing.T, i int) {
	t.Helper()
	live, idle := w.pick(true), w.pick(false)
	type choice struct {
		weight int
		run    func()
	}
	choices := []choice{}
	if idle != nil {
		choices = append(choices, choice{3, func() { w.create(t, i, idle, false) }})
		choices = append(choices, choice{1, func() { w.create(t, i, idle, true) }})
	}
	if live != nil {
		choices = append(choices,
			choice{2, func() { w.change(t, i, live, "rotate", false) }},
			choice{1, func() { w.change(t, i, live, "update tags", false) }},
			choice{2, func() { w.change(t, i, live, "rename", false) }},
			choice{2, func() { w.replace(t, i, live) }},
			choice{1, func() { w.destroyOne(t, i, live) }},
			choice{3, func() { w.change(t, i, live, []string{"rotate", "update tags", "rename"}[w.rng.IntN(3)], true) }},
		)
		if live.cbd {
			choices = append(choices, choice{2, func() { w.cbdRefusedThenRetried(t, i, live) }})
		}
		if idle != nil {
			choices = append(choices, choice{2, func() { w.clash(t, i, live, idle) }})
		}
	}
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := w.rng.IntN(total)
	for _, c := range choices {
		if n -= c.weight; n < 0 {
			c.run()
			return
		}
	}
}

func (w *workflow) note(i int, format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf("%d. ", i)+fmt.Sprintf(format, args...))
}

// apply writes the model's configuration and runs terraform, which must succeed.
func (w *workflow) apply(t *testing.T, args ...string) {
	t.Helper()
	w.d.write(w.config())
	if out, err := w.d.run(append([]string{"apply", "-auto-approve", "-no-color"}, args...)...); err != nil {
		t.Errorf("step %s: terraform apply failed: %v\n%s", w.log[len(w.log)-1], err, out)
	}
}

// refused writes the model's configuration and runs terraform, which must fail with the phrases.
func (w *workflow) refused(t *testing.T, want []string, args ...string) string {
	t.Helper()
	w.d.write(w.config())
	out, err := w.d.run(append([]string{"apply", "-auto-approve", "-no-color"}, args...)...)
	if err == nil {
		t.Errorf("step %s: terraform apply succeeded, want a refusal saying %q\n%s", w.log[len(w.log)-1], want, out)
	} else if miss := missing(out, phrases(want...)); len(miss) > 0 {
		t.Errorf("step %s: the refusal lacks %q:\n%s", w.log[len(w.log)-1], miss, out)
	}
	return out
}

func (w *workflow) create(t *testing.T, i int, c *wfConn, interrupted bool) {
	t.Helper()
	*c = wfConn{name: c.name, live: true, folder: w.fresh("f"), rotation: 1, tags: 1, cbd: w.rng.IntN(5) < 2}
	if w.rng.IntN(5) < 2 {
		c.user = w.fresh("u")
	}
	if w.rng.IntN(5) < 1 {
		c.policy = w.fresh("p")
	}
	if w.rng.IntN(10) < 3 {
		c.cred = w.fresh("c")
	}
	if interrupted {
		w.interrupted(t, i, c, fmt.Sprintf("create %s (folder %s, user %q, policy %q, credential %q, create_before_destroy %t)", c.name, c.folder, c.user, c.policy, c.cred, c.cbd))
		return
	}
	w.note(i, "create %s (folder %s, user %q, policy %q, credential %q, create_before_destroy %t)", c.name, c.folder, c.user, c.policy, c.cred, c.cbd)
	w.apply(t)
}

// change rotates the key, updates the tags in place, or renames the credential (a replacement; with
// create_before_destroy every name changes, as the old object holds them until it is destroyed).
func (w *workflow) change(t *testing.T, i int, c *wfConn, what string, interrupted bool) {
	t.Helper()
	switch what {
	case "rotate":
		c.rotation++
	case "update tags":
		c.tags++
	case "rename":
		c.cred = w.fresh("c")
		if c.cbd {
			c.user, c.policy = w.fresh("u"), w.fresh("p")
		}
	}
	c.unclaimed = c.unclaimed && what == "rotate"
	desc := fmt.Sprintf("%s %s (user %q, policy %q, credential %q)", what, c.name, c.user, c.policy, c.cred)
	if interrupted {
		w.interrupted(t, i, c, desc)
		return
	}
	w.note(i, "%s", desc)
	w.apply(t)
}

// interrupted runs the step's apply with a kill at a drawn write, then a plain re-apply, which must
// converge; a kill just after a claim tag reached AWS recovers through the documented import
// (claimRecovery).
func (w *workflow) interrupted(t *testing.T, i int, c *wfConn, desc string) {
	t.Helper()
	at, after := w.rng.IntN(10)+1, w.rng.IntN(2) == 1
	w.d.write(w.config())
	w.kill.reset()
	killedAt, out, err := runKilled(t, w.d, w.kill, []string{"apply", "-auto-approve", "-no-color"}, at, after)
	switch {
	case killedAt == "" && err != nil:
		w.note(i, "%s, not killed (it made fewer than %d writes)", desc, at)
		t.Errorf("step %s: the apply failed on its own: %v\n%s", w.log[len(w.log)-1], err, out)
		return
	case killedAt == "":
		w.note(i, "%s, not killed (it made fewer than %d writes)", desc, at)
		return
	}
	w.note(i, "%s, killed %s write %d (%s)", desc, map[bool]string{true: "after", false: "before"}[after], at, killedAt)
	out, err = w.d.run("apply", "-auto-approve", "-no-color")
	if err != nil && claimRecovery(t, w.d, w.kill, "ica_s3_connection."+c.name, out) {
		w.log[len(w.log)-1] += ", recovered by import"
		out, err = w.d.run("apply", "-auto-approve", "-no-color")
		c.unclaimed = !w.kill.forwarded("iam:TagUser")
	}
	if err != nil {
		t.Errorf("step %s: the re-apply after the kill failed: %v\n%s", w.log[len(w.log)-1], err, out)
	}
}

// clash adds a connection that shares a folder, user or credential with a live one: refused at plan,
// nothing changes.
func (w *workflow) clash(t *testing.T, i int, live, idle *wfConn) {
	t.Helper()
	*idle = wfConn{name: idle.name, live: true, folder: w.fresh("f"), rotation: 1, tags: 1}
	shared := "folder"
	switch n := w.rng.IntN(3); {
	case n == 1 && live.user != "":
		idle.user, shared = live.user, "IAM user"
	case n == 2 && live.cred != "":
		idle.cred, shared = live.cred, "ICA credential"
	default:
		// "f3" and "f3/" are one folder.
		idle.folder = strings.TrimSuffix(live.folder, "/")
		if !strings.HasSuffix(live.folder, "/") {
			idle.folder += "/"
		}
	}
	w.note(i, "create %s sharing the %s of %s: refused at plan", idle.name, shared, live.name)
	w.refused(t, []string{"would share", "with another connection of this configuration"})
	idle.live = false
	w.d.write(w.config())
}

// replace runs apply -replace. With create_before_destroy the new object would need the names the old one
// holds until it is destroyed: refused, and nothing changes.
func (w *workflow) replace(t *testing.T, i int, c *wfConn) {
	t.Helper()
	arg := "-replace=ica_s3_connection." + c.name
	if !c.cbd {
		c.unclaimed = false
		w.note(i, "apply %s", arg)
		w.apply(t, arg)
		return
	}
	w.note(i, "apply %s with create_before_destroy: refused (the old object holds the names)", arg)
	w.refused(t, []string{"belongs to another connection"}, arg)
}

// cbdRefusedThenRetried is workflow 3 of issue 10: a create_before_destroy rename of the user only is
// refused (the policy name is the live connection's); retried with a policy name of its own, the
// replacement goes through.
func (w *workflow) cbdRefusedThenRetried(t *testing.T, i int, c *wfConn) {
	t.Helper()
	c.user, c.unclaimed = w.fresh("u"), false
	w.note(i, "rename %s's user to %s keeping policy %q with create_before_destroy: refused", c.name, c.user, c.policy)
	w.refused(t, []string{"IAM policy", "belongs to another connection", "iam_policy_name"})
	c.policy = w.fresh("p")
	w.log[len(w.log)-1] += fmt.Sprintf("; retried with policy %s", c.policy)
	w.apply(t)
}

func (w *workflow) destroyOne(t *testing.T, i int, c *wfConn) {
	t.Helper()
	w.note(i, "destroy -target=ica_s3_connection.%s", c.name)
	if out, err := w.d.run("destroy", "-auto-approve", "-no-color", "-target=ica_s3_connection."+c.name); err != nil {
		t.Errorf("step %s: %v\n%s", w.log[len(w.log)-1], err, out)
	}
	c.live = false
	w.d.write(w.config())
}

// stateConn is an ica_s3_connection of `terraform show -json`.
type stateConn struct {
	Address    string            `json:"address"`
	Type       string            `json:"type"`
	Name       string            `json:"name"`
	Tainted    bool              `json:"tainted"`
	DeposedKey string            `json:"deposed_key"`
	Values     map[string]any    `json:"values"`
	attrs      map[string]string `json:"-"`
}

func (w *workflow) state(t *testing.T) []stateConn {
	t.Helper()
	out, err := w.d.run("show", "-json", "-no-color")
	if err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	var doc struct {
		Values struct {
			RootModule struct {
				Resources []stateConn `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &doc); err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	var conns []stateConn
	for _, r := range doc.Values.RootModule.Resources {
		if r.Type != "ica_s3_connection" {
			continue
		}
		r.attrs = map[string]string{}
		for k, v := range r.Values {
			if s, ok := v.(string); ok {
				r.attrs[k] = s
			}
		}
		conns = append(conns, r)
	}
	return conns
}

// verify checks the invariants (see TestChaosWorkflow) against moto, the emulator and the state.
func (w *workflow) verify(t *testing.T) {
	t.Helper()
	where := w.log[len(w.log)-1]
	ctx := context.Background()
	conns := w.state(t)
	var want, got []string
	for _, c := range w.conns {
		if c.live {
			want = append(want, "ica_s3_connection."+c.name)
		}
	}
	var users, keys, policies, rules, creds []string
	for _, c := range conns {
		if c.Tainted || c.DeposedKey != "" {
			t.Errorf("after %s: %s is tainted or deposed (%q) in the state", where, c.Address, c.DeposedKey)
		}
		got = append(got, c.Address)
		a := c.attrs
		users, keys, policies = append(users, a["iam_user_name"]), append(keys, a["access_key_id"]), append(policies, a["iam_policy_name"])
		rules, creds = append(rules, a["cors_rule_id"]), append(creds, a["credential_id"])
		if err := w.connectionHolds(ctx, t, a, w.conn(c.Name).unclaimed); err != nil {
			t.Errorf("after %s: %s: %v", where, c.Address, err)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("after %s: the state holds %v, the configuration %v", where, got, want)
	}
	for what, names := range map[string][]string{"IAM user": users, "ICA credential": creds, "CORS rule": rules} {
		if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
			t.Errorf("after %s: connections share an %s: %v", where, what, names)
		}
	}
	onBucket := w.corsRuleIDs(t)
	for _, id := range rules {
		if !slices.Contains(onBucket, id) {
			t.Errorf("after %s: the CORS rule %s is not on the bucket (rules %v)", where, id, onBucket)
		}
	}
	objs := scenarioObjects(t, w.m, w.bucket, w.bucket)
	slices.Sort(users)
	slices.Sort(keys)
	slices.Sort(policies)
	if !slices.Equal(objs.Users, users) || !slices.Equal(objs.Keys, keys) || !slices.Equal(objs.Policies, policies) || objs.CORSRules[w.bucket] != len(conns) {
		t.Errorf("after %s: AWS holds more or less than the live connections own:\n  AWS:   %s\n  state: users %v, keys %v, policies %v, %d CORS rules", where, objs, users, keys, policies, len(conns))
	}
	if empty, out := w.d.planIsEmpty(); !empty {
		t.Errorf("after %s: the next plan is not empty:\n%s", where, out)
	}
}

// connectionHolds checks one connection: the only, active key of its own user, held by its ICA
// credential; the user claimed with the state's token (none for a connection recovered unclaimed) and its
// policy attached.
func (w *workflow) connectionHolds(ctx context.Context, t *testing.T, a map[string]string, unclaimed bool) error {
	user := a["iam_user_name"]
	listed, err := w.m.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	if err != nil {
		return fmt.Errorf("listing the keys of its user %s: %w", user, err)
	}
	if len(listed.AccessKeyMetadata) != 1 || aws.ToString(listed.AccessKeyMetadata[0].AccessKeyId) != a["access_key_id"] || listed.AccessKeyMetadata[0].Status != "Active" {
		return fmt.Errorf("its user %s has keys %+v, want only the state's %s, active", user, listed.AccessKeyMetadata, a["access_key_id"])
	}
	held := ""
	for _, c := range w.emu.Credentials(t) {
		if c.ID == a["credential_id"] {
			held = c.AccessKeyID
		}
	}
	if held != a["access_key_id"] {
		return fmt.Errorf("its ICA credential %s holds key %q, not its user's %s", a["credential_id"], held, a["access_key_id"])
	}
	tags, err := w.m.IAM.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String(user)})
	if err != nil {
		return err
	}
	claim := ""
	for _, tag := range tags.Tags {
		if aws.ToString(tag.Key) == "ica-tf:claim" {
			claim = aws.ToString(tag.Value)
		}
	}
	if a["claim_token"] == "" || (claim != a["claim_token"] && !(unclaimed && claim == "")) {
		return fmt.Errorf("its user %s carries claim %q, the state %q (recovered by import with the user unclaimed: %t)", user, claim, a["claim_token"], unclaimed)
	}
	ptags, err := w.m.IAM.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: aws.String(a["iam_policy_arn"])})
	if err != nil {
		return err
	}
	for _, tag := range ptags.Tags {
		if aws.ToString(tag.Key) == "ica-tf:claim" && aws.ToString(tag.Value) != a["claim_token"] {
			return fmt.Errorf("its policy %s carries claim %q, the state %q", a["iam_policy_arn"], aws.ToString(tag.Value), a["claim_token"])
		}
	}
	attached, err := w.m.IAM.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String(user)})
	if err != nil {
		return err
	}
	if len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != a["iam_policy_arn"] {
		return fmt.Errorf("its user %s has policies %+v attached, want only %s", user, attached.AttachedPolicies, a["iam_policy_arn"])
	}
	return nil
}

func (w *workflow) conn(name string) *wfConn {
	for _, c := range w.conns {
		if c.name == name {
			return c
		}
	}
	return &wfConn{}
}

func (w *workflow) corsRuleIDs(t *testing.T) []string {
	t.Helper()
	out, err := w.m.S3.GetBucketCors(context.Background(), &s3.GetBucketCorsInput{Bucket: aws.String(w.bucket)})
	if err != nil {
		if apiErrorCode(err) == "NoSuchCORSConfiguration" {
			return nil
		}
		t.Fatalf("GetBucketCors %s: %v", w.bucket, err)
	}
	var ids []string
	for _, r := range out.CORSRules {
		ids = append(ids, aws.ToString(r.ID))
	}
	return ids
}

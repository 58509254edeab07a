package provider_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/ica-tf/terraform-provider-ica/internal/testing/acctest"
)

// `terraform apply -replace` of one of two connections on one bucket, as users run it: terraform-plugin-testing
// has no -replace (only Taint), so these drive the terraform CLI. After every step every live connection is
// checked (convergedAll: ICA's credential holds an existing key of the connection's own IAM user, its CORS
// rule is on the bucket) and the next plan must be empty.

// recordConnections is a state check that keeps every connection's attributes (connectionAttrs).
type recordConnections struct{ into *map[string]map[string]string }

func (r recordConnections) CheckState(_ context.Context, req statecheck.CheckStateRequest, _ *statecheck.CheckStateResponse) {
	*r.into = connectionAttrs(req)
}

// replaceRun is one working directory of two connections, a and b, on the env's bucket.
type replaceRun struct {
	t   *testing.T
	env *connEnv
	cli *acctest.CLI
}

// converged checks every live connection and the empty next plan, and returns the connections' attributes.
func (r replaceRun) converged(when string) map[string]map[string]string {
	r.t.Helper()
	if err := r.cli.CheckState(convergedAll{t: r.t, env: r.env, want: 2}); err != nil {
		r.t.Fatalf("%s: %v", when, err)
	}
	r.cli.ExpectNoChanges(when)
	var conns map[string]map[string]string
	if err := r.cli.CheckState(recordConnections{&conns}); err != nil {
		r.t.Fatal(err)
	}
	return conns
}

// destroy destroys everything and checks that nothing of the connections is left.
func (r replaceRun) destroy(last map[string]map[string]string) {
	r.t.Helper()
	var users, policies []string
	for _, a := range last {
		users, policies = append(users, a["iam_user_name"]), append(policies, a["iam_policy_name"])
	}
	r.cli.MustRun("destroy", "-auto-approve")
	if err := r.env.checkDestroyed(r.t, users, policies)(nil); err != nil {
		r.t.Error(err)
	}
}

// replaceSetup applies a and b (a with aLifecycle) and returns the run and the converged connections.
func replaceSetup(t *testing.T, aLifecycle string) (replaceRun, map[string]map[string]string) {
	env := newConnEnv(t)
	r := replaceRun{t: t, env: env, cli: acctest.NewCLI(t)}
	r.cli.Write("main.tf", env.providerConfig()+env.connection("a", "  prefix = \"one\"\n"+aLifecycle)+
		env.connection("b", "  prefix = \"two\"\n"))
	r.cli.MustRun("init")
	r.cli.MustRun("apply", "-auto-approve")
	return r, r.converged("after the create")
}

// planReplaceA plans -replace of a and checks that the plan replaces a alone, as requested.
func (r replaceRun) planReplaceA() {
	r.t.Helper()
	plan := strings.Join(strings.Fields(r.cli.MustRun("plan", "-replace=ica_s3_connection.a", "-out=replace.tfplan")), " ")
	for _, want := range []string{"ica_s3_connection.a will be replaced, as requested", "Plan: 1 to add, 0 to change, 1 to destroy."} {
		if !strings.Contains(plan, want) {
			r.t.Fatalf("the -replace plan lacks %q:\n%s", want, plan)
		}
	}
}

// TestAccS3Connection_replaceOneOfTwo: -replace of a (destroy, then create of the same names) makes a new
// object with its own key and claim, which takes over a's ICA credential by name (ICA cannot delete it);
// b is untouched.
func TestAccS3Connection_replaceOneOfTwo(t *testing.T) {
	r, before := replaceSetup(t, "")
	r.planReplaceA()
	r.cli.MustRun("apply", "replace.tfplan")
	after := r.converged("after the -replace")

	a0, a1 := before["ica_s3_connection.a"], after["ica_s3_connection.a"]
	if a1["claim_token"] == "" || a1["claim_token"] == a0["claim_token"] || a1["access_key_id"] == a0["access_key_id"] {
		t.Errorf("a was not replaced by an object of its own: claim %q → %q, key %s → %s", a0["claim_token"], a1["claim_token"], a0["access_key_id"], a1["access_key_id"])
	}
	if a1["credential_id"] != a0["credential_id"] || a1["iam_user_name"] != a0["iam_user_name"] {
		t.Errorf("a's replacement did not take over its names: credential %s → %s, user %s → %s", a0["credential_id"], a1["credential_id"], a0["iam_user_name"], a1["iam_user_name"])
	}
	if !maps.Equal(before["ica_s3_connection.b"], after["ica_s3_connection.b"]) {
		t.Errorf("b changed:\nbefore %v\nafter  %v", before["ica_s3_connection.b"], after["ica_s3_connection.b"])
	}
	r.destroy(after)
}

// TestAccS3Connection_replaceCreateBeforeDestroy: with create_before_destroy the new object is created
// while the old one still holds the default names, so -replace is refused at apply (the provider is not
// told about create_before_destroy at plan), naming the claimed IAM user and policy and saying to give
// the connection its own names. Nothing is made: both connections and the state stay as they were.
func TestAccS3Connection_replaceCreateBeforeDestroy(t *testing.T) {
	r, before := replaceSetup(t, "  lifecycle {\n    create_before_destroy = true\n  }\n")
	r.planReplaceA()
	out, code := r.cli.Run("apply", "replace.tfplan")
	if !errRE(`IAM policy .* belongs to another connection.*its own iam_policy_name.*IAM user "`+before["ica_s3_connection.a"]["iam_user_name"]+
		`" already exists and belongs to another connection.*its own iam_user_name.*Nothing was made`).MatchString(out) || code == 0 {
		t.Fatalf("want the create_before_destroy replacement refused (exit %d):\n%s", code, out)
	}
	after := r.converged("after the refused -replace")
	if !maps.EqualFunc(before, after, maps.Equal) {
		t.Errorf("the refused -replace changed the state:\nbefore %v\nafter  %v", before, after)
	}
	r.destroy(after)
}

package connection

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

var foreignRule = policy.CORSRule{ID: "website", AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://example.com"}}

func testWorld() *world {
	w := newWorld()
	w.buckets["data"] = &fakeBucket{region: "us-east-1", cors: []policy.CORSRule{foreignRule}}
	return w
}

func testSpec(prefix string) Spec {
	user := "ica-data-" + strings.TrimSuffix(prefix, "/")
	return Spec{
		Bucket: "data", Prefix: prefix,
		UserName: user, PolicyName: user + "-policy", Path: "/", CredentialName: user,
		ManageCORS: true, CORSOrigins: []string{policy.DefaultOrigin}, CORSRuleID: naming.DefaultCORSRuleID(user),
		Tags: map[string]string{"team": "genomics"},
	}
}

func mustApply(t *testing.T, c *Converger, spec Spec, prior State) State {
	t.Helper()
	st, err := c.Apply(context.Background(), spec, prior)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return st
}

// assertConverged checks the world against spec and state: one user with the policy attached, exactly
// one key which ICA holds, our CORS rule next to the foreign one, the policy document as desired.
func assertConverged(t *testing.T, w *world, spec Spec, st State) {
	t.Helper()
	w.mu.Lock()
	u := w.users[spec.UserName]
	p := w.policies[st.PolicyARN]
	var cors []policy.CORSRule
	if b := w.buckets[spec.Bucket]; b != nil {
		cors = copyRules(b.cors)
	}
	var credKey string
	if c := w.creds[st.CredentialID]; c != nil {
		credKey = c.keyID
	}
	nCreds := 0
	for _, c := range w.creds {
		if c.c.Name == spec.CredentialName {
			nCreds++
		}
	}
	w.mu.Unlock()
	if u == nil {
		t.Fatalf("user %s missing", spec.UserName)
	}
	if len(u.keys) != 1 || u.keys[0].id != st.AccessKeyID {
		t.Fatalf("want exactly the state's key %s, user has %+v", st.AccessKeyID, u.keys)
	}
	if credKey != st.AccessKeyID {
		t.Fatalf("ICA holds key %q, state says %q", credKey, st.AccessKeyID)
	}
	if !w.credKeyWorks(st.CredentialID, spec.UserName) {
		t.Fatal("ICA's key does not work")
	}
	if nCreds != 1 {
		t.Fatalf("want one ICA credential named %s, got %d", spec.CredentialName, nCreds)
	}
	if p == nil || !reflect.DeepEqual(u.attached, []string{st.PolicyARN}) {
		t.Fatalf("policy %s not attached alone: %v", st.PolicyARN, u.attached)
	}
	want := policy.Build(policy.Options{Bucket: spec.Bucket, Prefix: spec.Prefix, KMSKeyARN: spec.KMSKeyARN}).JSON()
	var doc string
	for _, v := range p.versions {
		if v.ID == p.defaultV {
			doc = v.Document
		}
	}
	if eq, _ := policy.Equivalent(doc, want); !eq {
		t.Fatalf("policy document differs:\n%s", doc)
	}
	if st.PolicyJSON != want || !st.PolicyAttached || st.UserARN == "" {
		t.Fatalf("state incomplete: %+v", st)
	}
	if spec.ManageCORS {
		if i := policy.FindCORS(cors, policy.ICARule(spec.CORSRuleID, spec.CORSOrigins)); i < 0 || !st.CORSRule {
			t.Fatalf("our CORS rule missing: %+v", cors)
		}
	}
	if policy.FindCORS(cors, foreignRule) < 0 || !reflect.DeepEqual(cors[policy.FindCORS(cors, foreignRule)], foreignRule) {
		t.Fatalf("foreign CORS rule changed: %+v", cors)
	}
}

func TestCreateFromNothing(t *testing.T) {
	w := testWorld()
	w.probeFailures = 2
	spec := testSpec("")
	st := mustApply(t, w.converger(), spec, State{})
	assertConverged(t, w, spec, st)
	if st.Region != "us-east-1" || st.CORSRuleID != "ica-tf-ica-data-" {
		t.Fatalf("state: %+v", st)
	}
	if n := w.count("ProbeKey"); n != 3 {
		t.Fatalf("want the key probed until it works (3 probes), got %d", n)
	}
	u := w.users[spec.UserName]
	if u.tags[TagManagedBy] != ManagedByValue || u.tags[TagBucket] != "data" || u.tags["team"] != "genomics" {
		t.Fatalf("user tags: %v", u.tags)
	}
	if p := w.policies[st.PolicyARN]; p.tags[TagManagedBy] != ManagedByValue {
		t.Fatalf("policy tags: %v", p.tags)
	}
	// The documented policy exactly: no prefix, unversioned, no KMS.
	if eq, _ := policy.Equivalent(st.PolicyJSON, policy.Build(policy.Options{Bucket: "data"}).JSON()); !eq {
		t.Fatal("policy is not the documented one")
	}
}

func TestReadAfterApplyChangesNothingAndStaysInBudget(t *testing.T) {
	w := testWorld()
	spec := testSpec("ica/")
	st := mustApply(t, w.converger(), spec, State{})
	w.resetCalls()
	c := w.converger() // a fresh provider process
	got, err := c.Read(context.Background(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, st) {
		t.Fatalf("Read changed the state:\n got %+v\nwant %+v", got, st)
	}
	if ws := w.writes(); len(ws) != 0 {
		t.Fatalf("Read wrote: %v", ws)
	}
	// One read per IAM part: the user (GetUser, for its tags), its keys, its attachment, the policy.
	perConnection := w.count("GetUser") + w.count("ListAccessKeys") + w.count("ListAttachedUserPolicies") + w.count("GetPolicyVersion") + w.count("GetPolicy")
	if perConnection != 4 || w.count("GetUser") != 1 {
		t.Fatalf("want 4 IAM reads for one connection, one of them GetUser, got %v", w.calls)
	}
	if w.count("ListStorageCredentials") != 1 || w.count("BucketRegion") != 1 || w.count("BucketCORS") != 1 || w.count("BucketVersioned") != 1 {
		t.Fatalf("bucket/ICA reads: %v", w.calls)
	}
	// A second connection on the same bucket in the same process reuses the bucket and ICA reads.
	w.resetCalls()
	if _, err := c.Read(context.Background(), spec, st); err != nil {
		t.Fatal(err)
	}
	if w.count("ListStorageCredentials")+w.count("BucketRegion")+w.count("BucketCORS")+w.count("BucketVersioned") != 0 {
		t.Fatalf("shared reads repeated: %v", w.calls)
	}
}

func TestDriftIsSeenAndRepaired(t *testing.T) {
	tests := []struct {
		name   string
		drift  func(w *world, spec Spec, st State)
		seen   func(st State) bool
		repair []string // writes the repair must make (and no other IAM/ICA writes than these)
	}{
		{"CORS rule removed", func(w *world, spec Spec, st State) {
			w.buckets["data"].cors = []policy.CORSRule{foreignRule}
		}, func(st State) bool { return !st.CORSRule }, []string{"PutBucketCORS"}},
		{"CORS rule edited", func(w *world, spec Spec, st State) {
			w.buckets["data"].cors[1].AllowedMethods = []string{"GET"}
		}, func(st State) bool { return !st.CORSRule }, []string{"PutBucketCORS"}},
		{"policy edited out of band", func(w *world, spec Spec, st State) {
			p := w.policies[st.PolicyARN]
			p.versions = append(p.versions, PolicyVersion{ID: "v9", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
			p.defaultV = "v9"
		}, func(st State) bool { return strings.Contains(st.PolicyJSON, `"s3:*"`) }, []string{"CreatePolicyVersion"}},
		{"policy detached", func(w *world, spec Spec, st State) {
			w.users[spec.UserName].attached = nil
		}, func(st State) bool { return !st.PolicyAttached }, []string{"AttachUserPolicy"}},
		{"key deleted", func(w *world, spec Spec, st State) {
			w.users[spec.UserName].keys = nil
		}, func(st State) bool { return st.AccessKeyID == "" }, []string{"CreateAccessKey", "UpdateStorageCredentialSecrets"}},
		{"key deactivated", func(w *world, spec Spec, st State) {
			w.users[spec.UserName].keys[0].active = false
		}, func(st State) bool { return st.AccessKeyID == "" }, []string{"CreateAccessKey", "DeleteAccessKey", "UpdateStorageCredentialSecrets"}},
		{"user deleted", func(w *world, spec Spec, st State) {
			delete(w.users, spec.UserName)
		}, func(st State) bool { return st.UserARN == "" && st.AccessKeyID == "" },
			[]string{"AttachUserPolicy", "CreateAccessKey", "CreateUser", "UpdateStorageCredentialSecrets"}},
		// The user's tags are read on refresh; the repair also re-applies the policy's tags (the same
		// configuration, not read back: an idempotent write).
		{"user tag edited", func(w *world, spec Spec, st State) {
			w.users[spec.UserName].tags["team"] = "someone-else"
		}, func(st State) bool { return st.Tags["team"] == "someone-else" }, []string{"TagPolicy", "TagUser"}},
		{"user tag added", func(w *world, spec Spec, st State) {
			w.users[spec.UserName].tags["added-by-hand"] = "x"
		}, func(st State) bool { return st.Tags["added-by-hand"] == "x" && st.Tags["team"] == "genomics" }, []string{"TagPolicy", "UntagPolicy", "UntagUser"}},
		{"user tag removed", func(w *world, spec Spec, st State) {
			delete(w.users[spec.UserName].tags, "team")
		}, func(st State) bool { _, ok := st.Tags["team"]; return !ok }, []string{"TagPolicy", "TagUser"}},
		{"credential deleted in ICA", func(w *world, spec Spec, st State) {
			delete(w.creds, st.CredentialID)
		}, func(st State) bool { return st.CredentialID == "" }, []string{"CreateAccessKey", "CreateStorageCredential", "DeleteAccessKey"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorld()
			spec := testSpec("")
			st := mustApply(t, w.converger(), spec, State{})
			tc.drift(w, spec, st)
			c := w.converger()
			read, err := c.Read(context.Background(), spec, st)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.seen(read) {
				t.Fatalf("drift not visible in the refreshed state: %+v", read)
			}
			w.resetCalls()
			fixed := mustApply(t, c, spec, read)
			assertConverged(t, w, spec, fixed)
			if got := w.writes(); !reflect.DeepEqual(got, tc.repair) {
				t.Fatalf("repair writes: got %v, want %v", got, tc.repair)
			}
			again, err := w.converger().Read(context.Background(), spec, fixed)
			if err != nil || !reflect.DeepEqual(again, fixed) {
				t.Fatalf("not converged after repair: %+v (%v)", again, err)
			}
		})
	}
}

func TestInPlaceUpdates(t *testing.T) {
	w := testWorld()
	spec := testSpec("ica/")
	c := w.converger()
	st := mustApply(t, c, spec, State{})

	spec.Prefix, spec.KMSKeyARN = "ica/runs/", "arn:aws:kms:us-east-1:123456789012:key/abc"
	spec.Tags = map[string]string{"team": "bio", "cost": "42"}
	spec.CORSOrigins = []string{"https://ica.illumina.com", "https://eu.ica.illumina.com"}
	w.resetCalls()
	st = mustApply(t, c, spec, st)
	assertConverged(t, w, spec, st)
	if got := w.writes(); !reflect.DeepEqual(got, []string{"CreatePolicyVersion", "PutBucketCORS", "TagPolicy", "TagUser"}) {
		t.Fatalf("update writes: %v", got)
	}
	if w.users[spec.UserName].tags["cost"] != "42" || w.policies[st.PolicyARN].tags["team"] != "bio" {
		t.Fatal("tags not updated")
	}

	spec.Tags = map[string]string{"cost": "42"}
	spec.ManageCORS = false
	spec.Share = true
	w.resetCalls()
	st = mustApply(t, c, spec, st)
	if _, ok := w.users[spec.UserName].tags["team"]; ok {
		t.Fatal("removed tag still on the user")
	}
	if st.CORSRule || len(w.buckets["data"].cors) != 1 || w.buckets["data"].cors[0].ID != "website" {
		t.Fatalf("manage_cors=false must remove only our rule: %+v", w.buckets["data"].cors)
	}
	if !st.Shared || !w.creds[st.CredentialID].shared {
		t.Fatal("credential not shared")
	}
	if w.count("CreateAccessKey") != 0 || w.count("UpdateStorageCredentialSecrets") != 0 {
		t.Fatalf("an update that does not touch the key must not rotate it: %v", w.calls)
	}
}

func TestPolicyVersionsArePruned(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	c := w.converger()
	st := mustApply(t, c, spec, State{})
	for i := 0; i < 8; i++ {
		spec.Prefix = fmt.Sprintf("p%d/", i)
		st = mustApply(t, c, spec, st)
		if n := len(w.policies[st.PolicyARN].versions); n > maxPolicyVersions {
			t.Fatalf("%d versions after update %d", n, i)
		}
	}
	assertConverged(t, w, spec, st)
}

func TestRotation(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	c := w.converger()
	st := mustApply(t, c, spec, State{})
	old := st.AccessKeyID
	spec.Rotate = true
	w.resetCalls()
	w.probeFailures = 1
	st = mustApply(t, c, spec, st)
	assertConverged(t, w, spec, st)
	if st.AccessKeyID == old {
		t.Fatal("key not rotated")
	}
	if w.count("UpdateStorageCredentialSecrets") != 1 || w.count("DeleteAccessKey") != 1 || w.count("CreateStorageCredential") != 0 {
		t.Fatalf("rotation calls: %v", w.calls)
	}
}

func TestRotationRefusedWhenAForeignKeyBlocks(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	st := mustApply(t, w.converger(), spec, State{})
	// An imported user (not tagged by us) whose owner made a second key.
	u := w.users[spec.UserName]
	u.tags = map[string]string{}
	u.keys = append(u.keys, &fakeKey{id: "AKIAHUMAN", secret: "s", active: true, created: w.tick()})
	spec.Rotate = true
	w.resetCalls()
	_, err := w.converger().Apply(context.Background(), spec, st)
	if err == nil || !strings.Contains(err.Error(), "AKIAHUMAN") || !strings.Contains(err.Error(), "delete-access-key") {
		t.Fatalf("want a refusal naming the foreign key and the fix, got %v", err)
	}
	if ws := w.writes(); len(ws) != 0 {
		t.Fatalf("refusal must come before any change, wrote %v", ws)
	}
}

func TestLeftoverKeysAreResolved(t *testing.T) {
	for _, icaHoldsLeftover := range []bool{false, true} {
		t.Run(fmt.Sprintf("ICA holds leftover=%v", icaHoldsLeftover), func(t *testing.T) {
			w := testWorld()
			spec := testSpec("")
			st := mustApply(t, w.converger(), spec, State{})
			// An interrupted rotation: a second key exists that state does not know.
			w.mu.Lock()
			leftover := &fakeKey{id: "AKIALEFTOVER", secret: "s2", active: true, created: w.tick()}
			w.users[spec.UserName].keys = append(w.users[spec.UserName].keys, leftover)
			if icaHoldsLeftover {
				w.creds[st.CredentialID].keyID, w.creds[st.CredentialID].secret = leftover.id, leftover.secret
			}
			w.mu.Unlock()
			read, err := w.converger().Read(context.Background(), spec, st)
			if err != nil || read.AccessKeyID != "" {
				t.Fatalf("the leftover must show as a pending key change: %+v (%v)", read, err)
			}
			st = mustApply(t, w.converger(), spec, read)
			assertConverged(t, w, spec, st)
		})
	}
}

// TestLostCreateAccessKeyAnswer: the SDK retried a CreateAccessKey whose answer was lost, so the user got
// a key nobody knows the secret of; the apply removes it and ends with exactly one key.
func TestLostCreateAccessKeyAnswer(t *testing.T) {
	w := testWorld()
	w.duplicateNextKey = true
	spec := testSpec("")
	st := mustApply(t, w.converger(), spec, State{})
	assertConverged(t, w, spec, st)
}

func TestPartialFailureThenReapply(t *testing.T) {
	steps := []string{"CreatePolicy", "CreateUser", "AttachUserPolicy", "CreateAccessKey", "ProbeKey",
		"CreateStorageCredential", "PutBucketCORS", "ShareStorageCredential"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			w := testWorld()
			spec := testSpec("ica/")
			spec.Share = true
			w.faults[step] = errors.New("injected failure")
			if step == "ProbeKey" {
				// The key never starts working before the deadline.
				w.probeFailures = 1 << 30
			}
			c := w.converger()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			partial, err := c.Apply(ctx, spec, State{})
			var se *StepError
			if err == nil || !errors.As(err, &se) {
				t.Fatalf("want a StepError, got %v", err)
			}
			if step != "ProbeKey" && !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("error hides the cause: %v", err)
			}
			w.probeFailures = 0
			// What exists is recorded, so the next apply continues from it.
			if _, ok := w.users[spec.UserName]; ok && partial.UserARN == "" && step != "CreateUser" {
				t.Fatalf("user exists but not recorded: %+v", partial)
			}
			st := mustApply(t, c, spec, partial)
			assertConverged(t, w, spec, st)
			if len(w.users) != 1 || len(w.policies) != 1 || len(w.creds) != 1 {
				t.Fatalf("orphans: %d users, %d policies, %d credentials", len(w.users), len(w.policies), len(w.creds))
			}
			if !w.creds[st.CredentialID].shared {
				t.Fatal("credential not shared after re-apply")
			}
		})
	}
}

func TestKilledCreateIsAdopted(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	// The process died after creating user, policy, key and credential, before saving state.
	first := mustApply(t, w.converger(), spec, State{})
	second := mustApply(t, w.converger(), spec, State{})
	assertConverged(t, w, spec, second)
	if second.PolicyARN != first.PolicyARN || second.CredentialID != first.CredentialID {
		t.Fatal("leftovers not adopted")
	}
	if len(w.users) != 1 || len(w.policies) != 1 || len(w.creds) != 1 {
		t.Fatal("duplicates created")
	}
	if len(second.Adopted) != 3 {
		t.Fatalf("want the credential, user and policy reported as adopted, got %q", second.Adopted)
	}
	if len(first.Adopted) != 0 {
		t.Fatalf("nothing to adopt on the first run, got %q", first.Adopted)
	}
}

// TestPolicyOfAnotherConnectionIsNotAdopted: a second connection of the same bucket and folder with another
// user name derives the same policy name; the policy is ours (tags) but attached to the first connection's
// user, so it is refused instead of shared, and the first connection is untouched.
func TestPolicyOfAnotherConnectionIsNotAdopted(t *testing.T) {
	w := testWorld()
	first := testSpec("")
	st := mustApply(t, w.converger(), first, State{})
	second := first
	second.UserName, second.CORSRuleID, second.CredentialName = "someone-else", naming.DefaultCORSRuleID("someone-else"), "someone-else"
	w.resetCalls()
	_, err := w.converger().Apply(context.Background(), second, State{})
	if err == nil || !strings.Contains(err.Error(), `made for IAM user "`+first.UserName+`"`) || !strings.Contains(err.Error(), "iam_policy_name") {
		t.Fatalf("want refusal naming the owner and iam_policy_name, got %v", err)
	}
	if w.count("CreatePolicyVersion") != 0 || w.count("AttachUserPolicy") != 0 {
		t.Fatalf("the first connection's policy was changed or shared: %v", w.calls)
	}
	assertConverged(t, w, first, st)

	// A leftover of this connection (the user tag matches) that someone attached to another user is not
	// adopted either.
	w2 := testWorld()
	st2 := mustApply(t, w2.converger(), first, State{})
	ctx := context.Background()
	if _, err := w2.CreateUser(ctx, "bystander", "/", nil); err != nil {
		t.Fatal(err)
	}
	if err := w2.AttachUserPolicy(ctx, "bystander", st2.PolicyARN); err != nil {
		t.Fatal(err)
	}
	if err := w2.DetachUserPolicy(ctx, first.UserName, st2.PolicyARN); err != nil {
		t.Fatal(err)
	}
	_, err = w2.converger().Apply(ctx, first, State{}) // the state was lost
	if err == nil || !strings.Contains(err.Error(), "attached to another IAM user") {
		t.Fatalf("want refusal of a policy attached elsewhere, got %v", err)
	}
}

// TestUserOfAnotherConnectionIsNotAdopted: two connections configured with the same iam_user_name (another
// folder, so another policy and credential). The second must not take over the first's user, whose key it
// would otherwise delete as a leftover.
func TestUserOfAnotherConnectionIsNotAdopted(t *testing.T) {
	w := testWorld()
	first := testSpec("a/")
	st := mustApply(t, w.converger(), first, State{})
	second := testSpec("b/")
	// The same user name also gives the same CORS rule ID (derived from it).
	second.UserName, second.CORSRuleID = first.UserName, first.CORSRuleID
	w.resetCalls()
	partial, err := w.converger().Apply(context.Background(), second, State{})
	if err == nil || !strings.Contains(err.Error(), "belongs to another connection") || !strings.Contains(err.Error(), "iam_user_name") {
		t.Fatalf("want refusal naming iam_user_name, got %v", err)
	}
	if w.count("DeleteAccessKey") != 0 || w.count("CreateAccessKey") != 0 || w.count("TagUser") != 0 || w.count("PutBucketCORS") != 0 {
		t.Fatalf("the first connection's user or CORS rule was touched: %v", w.calls)
	}
	if partial.CORSRule || partial.UserARN != "" {
		t.Fatalf("the refused connection claims the first one's objects: %+v", partial)
	}
	assertConverged(t, w, first, st)
	// Refreshing and destroying the refused connection (Terraform destroys the tainted, half-made resource)
	// removes what it made and leaves the first connection's user, key and CORS rule alone.
	partial, err = w.converger().Read(context.Background(), second, partial)
	if err != nil || partial.CORSRule || partial.UserARN != "" {
		t.Fatalf("refresh of the refused connection claims the first one's objects: %+v %v", partial, err)
	}
	if _, err := w.converger().Delete(context.Background(), second, partial); err != nil {
		t.Fatal(err)
	}
	assertConverged(t, w, first, st)
	if len(w.policies) != 1 {
		t.Fatalf("the refused connection's own policy was not deleted: %d policies", len(w.policies))
	}
}

func TestForeignUserIsNotAdopted(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	w.users[spec.UserName] = &fakeUser{name: spec.UserName, path: "/", tags: map[string]string{}}
	_, err := w.converger().Apply(context.Background(), spec, State{})
	if err == nil || !strings.Contains(err.Error(), "not created by this provider") {
		t.Fatalf("want refusal, got %v", err)
	}
}

func TestRegionChecks(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	spec.RequiredRegion, spec.ICARegionName = "eu-central-1", "Germany"
	_, err := w.converger().Apply(context.Background(), spec, State{})
	if err == nil || !strings.Contains(err.Error(), "us-east-1") || !strings.Contains(err.Error(), "eu-central-1") {
		t.Fatalf("want region error naming both regions, got %v", err)
	}
	if ws := w.writes(); len(ws) != 0 {
		t.Fatalf("wrote before failing: %v", ws)
	}
	spec = testSpec("")
	spec.KMSKeyARN = "arn:aws:kms:eu-west-1:123456789012:key/abc"
	if _, err := w.converger().Apply(context.Background(), spec, State{}); err == nil || !strings.Contains(err.Error(), "eu-west-1") {
		t.Fatalf("want KMS region error, got %v", err)
	}
	spec.Bucket = "missing"
	if _, err := w.converger().Apply(context.Background(), spec, State{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("want missing bucket error, got %v", err)
	}
}

func TestFiveConnectionsOnOneBucketConcurrently(t *testing.T) {
	w := testWorld()
	w.corsDelay = 2 * time.Millisecond
	c := w.converger()
	var wg sync.WaitGroup
	states := make([]State, 5)
	specs := make([]Spec, 5)
	errs := make([]error, 5)
	for i := range 5 {
		specs[i] = testSpec(fmt.Sprintf("p%d/", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			states[i], errs[i] = c.Apply(context.Background(), specs[i], State{})
		}()
	}
	wg.Wait()
	for i := range 5 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		assertConverged(t, w, specs[i], states[i])
	}
	if n := len(w.buckets["data"].cors); n != 6 {
		t.Fatalf("want 5 rules + the foreign one, got %d", n)
	}
	// Destroy them concurrently too: only the foreign rule stays.
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Delete(context.Background(), specs[i], states[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(w.buckets["data"].cors, []policy.CORSRule{foreignRule}) {
		t.Fatalf("after destroy: %+v", w.buckets["data"].cors)
	}
}

func TestDelete(t *testing.T) {
	w := testWorld()
	w.buckets["data"].cors = nil
	spec := testSpec("")
	c := w.converger()
	st := mustApply(t, c, spec, State{})
	spec.Prefix = "x/"
	st = mustApply(t, c, spec, st) // a second policy version
	if _, err := c.Delete(context.Background(), spec, st); err != nil {
		t.Fatal(err)
	}
	if len(w.users) != 0 || len(w.policies) != 0 || w.buckets["data"].cors != nil {
		t.Fatalf("left behind: users %v policies %v cors %v", w.users, w.policies, w.buckets["data"].cors)
	}
	if len(w.creds) != 1 {
		t.Fatal("the ICA credential has no delete API and must be left alone")
	}
	// Everything already gone: still fine.
	if _, err := c.Delete(context.Background(), spec, st); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

// TestDeleteCallsAndConflicts checks the usual destroy costs four IAM calls and nothing is listed, and that
// what the state does not record (a second key, a non-default policy version made outside Terraform) is
// found through AWS's DeleteConflict and still deleted.
func TestDeleteCallsAndConflicts(t *testing.T) {
	ctx := context.Background()
	counts := func(w *world, ops ...string) map[string]int {
		out := map[string]int{}
		for _, op := range ops {
			out[op] = w.count(op)
		}
		return out
	}
	ops := []string{"DeleteAccessKey", "DetachUserPolicy", "DeleteUser", "DeletePolicy", "ListAccessKeys", "ListPolicyVersions", "DeletePolicyVersion"}

	t.Run("usual", func(t *testing.T) {
		w := testWorld()
		spec := testSpec("")
		c := w.converger()
		st := mustApply(t, c, spec, State{})
		w.resetCalls()
		if _, err := c.Delete(ctx, spec, st); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"DeleteAccessKey": 1, "DetachUserPolicy": 1, "DeleteUser": 1, "DeletePolicy": 1}
		if got := counts(w, ops...); !reflect.DeepEqual(got, withZeros(want, ops)) {
			t.Fatalf("calls = %v, want %v", got, want)
		}
		if len(w.users) != 0 || len(w.policies) != 0 {
			t.Fatalf("left behind: users %v policies %v", w.users, w.policies)
		}
	})

	t.Run("unrecorded key and policy version", func(t *testing.T) {
		w := testWorld()
		spec := testSpec("")
		c := w.converger()
		st := mustApply(t, c, spec, State{})
		if _, err := w.CreateAccessKey(ctx, spec.UserName); err != nil { // e.g. a rotation cut short
			t.Fatal(err)
		}
		if _, err := w.CreatePolicyVersion(ctx, st.PolicyARN, st.PolicyJSON); err != nil {
			t.Fatal(err)
		}
		w.mu.Lock()
		w.policies[st.PolicyARN].defaultV = "v1" // added as a non-default version, outside Terraform
		w.mu.Unlock()
		w.resetCalls()
		if _, err := c.Delete(ctx, spec, st); err != nil {
			t.Fatal(err)
		}
		if len(w.users) != 0 || len(w.policies) != 0 {
			t.Fatalf("left behind: users %v policies %v", w.users, w.policies)
		}
		want := map[string]int{"DeleteAccessKey": 2, "DetachUserPolicy": 1, "DeleteUser": 2, "DeletePolicy": 2,
			"ListAccessKeys": 1, "ListPolicyVersions": 1, "DeletePolicyVersion": 1}
		if got := counts(w, ops...); !reflect.DeepEqual(got, withZeros(want, ops)) {
			t.Fatalf("calls = %v, want %v", got, want)
		}
	})

	t.Run("foreign policy attached", func(t *testing.T) {
		w := testWorld()
		spec := testSpec("")
		c := w.converger()
		st := mustApply(t, c, spec, State{})
		p, err := w.CreatePolicy(ctx, "someone-elses", "/", `{"Version":"2012-10-17","Statement":[]}`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AttachUserPolicy(ctx, spec.UserName, p.ARN); err != nil {
			t.Fatal(err)
		}
		_, err = c.Delete(ctx, spec, st)
		if err == nil || !strings.Contains(err.Error(), "deleting IAM user") || !errors.Is(err, ErrDeleteConflict) {
			t.Fatalf("Delete = %v, want the DeleteConflict of deleting the IAM user", err)
		}
		if _, ok := w.users[spec.UserName]; !ok {
			t.Fatal("the user went although AWS refused")
		}
		// Once the foreign policy is detached, a second destroy finishes the job.
		if err := w.DetachUserPolicy(ctx, spec.UserName, p.ARN); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Delete(ctx, spec, st); err != nil {
			t.Fatal(err)
		}
		if _, ok := w.users[spec.UserName]; ok {
			t.Fatal("user left behind")
		}
	})
}

func withZeros(m map[string]int, keys []string) map[string]int {
	out := map[string]int{}
	for _, k := range keys {
		out[k] = m[k]
	}
	return out
}

func TestImportHandMadeConnection(t *testing.T) {
	w := testWorld()
	// The documented CLI steps, by hand: CORS rule without ID, policy, user, attach, key, credential.
	handRule := policy.ICARule("", nil)
	w.buckets["data"].cors = append(w.buckets["data"].cors, handRule)
	doc := strings.ReplaceAll(policy.Build(policy.Options{Bucket: "data", Prefix: "runs/"}).JSON(), "\n", "")
	ctx := context.Background()
	p, _ := w.CreatePolicy(ctx, "illumina-ica-admin-policy", "/", doc, nil)
	_, _ = w.CreateUser(ctx, "illumina_ica_admin", "/", nil)
	_ = w.AttachUserPolicy(ctx, "illumina_ica_admin", p.ARN)
	k, _ := w.CreateAccessKey(ctx, "illumina_ica_admin")
	cred, _ := w.CreateStorageCredential(ctx, ica.CreateStorageCredential{Name: "my-s3", Type: "AWS_USER", AWSCredentials: &ica.AWSCredentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}})

	for _, ref := range []string{cred.ID, "my-s3"} {
		c := w.converger()
		im, err := c.Import(ctx, "data", "illumina_ica_admin", ref)
		if err != nil {
			t.Fatal(err)
		}
		if im.Spec.Prefix != "runs/" || im.Spec.PolicyName != "illumina-ica-admin-policy" || im.Spec.CredentialName != "my-s3" ||
			!im.Spec.ManageCORS || im.Spec.CORSRuleID != "" || im.State.AccessKeyID != k.ID || im.State.CredentialID != cred.ID ||
			!im.State.CORSRule || im.State.PolicyARN != p.ARN || len(im.Spec.Tags) != 0 {
			t.Fatalf("import: %+v", im)
		}
		w.resetCalls()
		read, err := c.Read(ctx, im.Spec, im.State)
		if err != nil || !reflect.DeepEqual(read, im.State) {
			t.Fatalf("read after import differs: %+v (%v)", read, err)
		}
		// An apply with the same configuration changes nothing.
		after := mustApply(t, c, im.Spec, read)
		if ws := w.writes(); len(ws) != 0 {
			t.Fatalf("apply after import wrote %v", ws)
		}
		if after.AccessKeyID != k.ID {
			t.Fatal("key changed")
		}
	}
	// A second active key is ambiguous.
	_, _ = w.CreateAccessKey(ctx, "illumina_ica_admin")
	if _, err := w.converger().Import(ctx, "data", "illumina_ica_admin", "my-s3"); err == nil || !strings.Contains(err.Error(), "update-access-key") {
		t.Fatalf("want an error explaining how to pick a key, got %v", err)
	}
}

func TestPlanKeys(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cur := AccessKey{ID: "CUR", Active: true, Created: t0}
	old := AccessKey{ID: "OLD", Active: true, Created: t0.Add(-time.Hour)}
	newer := AccessKey{ID: "NEW", Active: true, Created: t0.Add(time.Hour)}
	tests := []struct {
		name        string
		keys        []AccessKey
		replace     bool
		owned       bool
		want        keyPlan
		wantErrText string
	}{
		{"nothing to do", []AccessKey{cur}, false, true, keyPlan{}, ""},
		{"rotate", []AccessKey{cur}, true, true, keyPlan{create: true, deleteAfter: []string{"CUR"}, sweep: true}, ""},
		{"key gone", nil, false, true, keyPlan{create: true, sweep: true}, ""},
		{"inactive key goes first", []AccessKey{{ID: "CUR", Created: t0}}, false, true, keyPlan{create: true, deleteFirst: []string{"CUR"}, sweep: true}, ""},
		{"leftover of ours: finish the rotation", []AccessKey{cur, newer}, false, true, keyPlan{create: true, deleteFirst: []string{"NEW"}, deleteAfter: []string{"CUR"}, sweep: true}, ""},
		{"two leftovers, current gone: oldest goes first", []AccessKey{newer, old}, false, true, keyPlan{create: true, deleteFirst: []string{"OLD"}, deleteAfter: []string{"NEW"}, sweep: true}, ""},
		{"foreign key left alone", []AccessKey{cur, newer}, false, false, keyPlan{}, ""},
		{"foreign key blocks rotation", []AccessKey{cur, newer}, true, false, keyPlan{}, "key NEW is not managed"},
		{"foreign key, current gone: room for one", []AccessKey{newer}, false, false, keyPlan{create: true}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			current := "CUR"
			got, err := planKeys("u", tc.keys, current, tc.replace, tc.owned)
			if tc.wantErrText != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrText) {
					t.Fatalf("want error %q, got %v", tc.wantErrText, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v want %+v", got, tc.want)
			}
		})
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	w.faults["UpdateStorageCredentialSecrets"] = errors.New("boom")
	c := w.converger()
	st := mustApply(t, c, spec, State{})
	spec.Rotate = true
	_, err := c.Apply(context.Background(), spec, st)
	if err == nil {
		t.Fatal("want the injected failure")
	}
	for _, u := range w.users {
		for _, k := range u.keys {
			if strings.Contains(err.Error(), k.secret) {
				t.Fatal("secret in error")
			}
		}
	}
}

// TestCORSChangesQueuedOnABucketShareOneWrite: changes that wait for a bucket's CORS lock are applied by
// the next holder with one read, one write and one re-read, and each caller gets the result.
func TestCORSChangesQueuedOnABucketShareOneWrite(t *testing.T) {
	w := testWorld()
	c := w.converger()
	if _, err := c.buckets.CORS(context.Background(), "data"); err != nil {
		t.Fatal(err)
	}
	lock := c.buckets.lock("data")
	lock.Lock() // another caller is mid read-modify-write
	var wg sync.WaitGroup
	results := make([][]policy.CORSRule, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rule := policy.ICARule(fmt.Sprintf("ica-tf-%d", i), nil)
			rules, wrote, err := c.buckets.ModifyCORS(context.Background(), "data", func(r []policy.CORSRule) ([]policy.CORSRule, bool) {
				return policy.PutCORS(r, rule)
			})
			if err != nil || !wrote {
				t.Errorf("caller %d: wrote=%v err=%v", i, wrote, err)
			}
			results[i] = rules
		}()
	}
	// Wait (with a deadline) until all five are queued behind the lock.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		c.buckets.mu.Lock()
		n := len(c.buckets.pending["data"])
		c.buckets.mu.Unlock()
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			lock.Unlock()
			t.Fatalf("only %d of 5 CORS changes queued within 10s", n)
		}
	}
	w.resetCalls()
	lock.Unlock()
	wg.Wait()
	if n := w.count("PutBucketCORS"); n != 1 {
		t.Fatalf("want one write for five queued changes, got %d", n)
	}
	if n := w.count("BucketCORS"); n != 1 {
		t.Fatalf("want one re-read (the read before came from the cache), got %d", n)
	}
	for i, r := range results {
		if len(r) != 6 || policy.FindCORS(r, policy.ICARule(fmt.Sprintf("ica-tf-%d", i), nil)) < 0 {
			t.Fatalf("caller %d got %d rules", i, len(r))
		}
	}
}

// TestRotationAfterRefreshReadsOnlyKeys: the update's prior state is the one the plan's refresh has just
// verified, so a rotation reads the keys again (to plan them) but not the policy, its attachment or the
// user's tags.
func TestRotationAfterRefreshReadsOnlyKeys(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	c := w.converger()
	st := mustApply(t, c, spec, State{})
	read, err := w.converger().Read(context.Background(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	spec.Rotate = true
	w.resetCalls()
	rotated := mustApply(t, w.converger(), spec, read)
	assertConverged(t, w, spec, rotated)
	if rotated.AccessKeyID == st.AccessKeyID || rotated.PolicyVersionID != st.PolicyVersionID || !rotated.PolicyAttached {
		t.Fatalf("rotation result: %+v", rotated)
	}
	for _, op := range []string{"GetPolicy", "GetPolicyVersion", "ListAttachedUserPolicies", "GetUser"} {
		if n := w.count(op); n != 0 {
			t.Errorf("%s called %d times in a rotation after a refresh: %v", op, n, w.calls)
		}
	}
	if w.count("ListAccessKeys") != 1 {
		t.Errorf("want one ListAccessKeys, got %v", w.calls)
	}
	if got := w.writes(); !reflect.DeepEqual(got, []string{"CreateAccessKey", "DeleteAccessKey", "UpdateStorageCredentialSecrets"}) {
		t.Fatalf("rotation writes: %v", got)
	}
}

// TestRotationRepairsDriftTheRefreshSaw: when the refreshed prior says the policy was edited or detached,
// the rotation reads it again and repairs it; a tag change still reads and retags the user.
func TestRotationRepairsDriftTheRefreshSaw(t *testing.T) {
	tests := []struct {
		name   string
		drift  func(w *world, spec *Spec, st State)
		reads  []string
		repair []string
	}{
		{"policy detached", func(w *world, spec *Spec, st State) {
			w.users[spec.UserName].attached = nil
		}, []string{"ListAttachedUserPolicies", "GetPolicyVersion"}, []string{"AttachUserPolicy"}},
		{"policy edited", func(w *world, spec *Spec, st State) {
			p := w.policies[st.PolicyARN]
			p.versions = append(p.versions, PolicyVersion{ID: "v9", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
			p.defaultV = "v9"
			// The refreshed prior holds the edited document: the repair needs no second read.
		}, nil, []string{"CreatePolicyVersion"}},
		{"tags changed", func(w *world, spec *Spec, st State) {
			spec.Tags = map[string]string{"team": "bio"}
		}, []string{"GetUser"}, []string{"TagPolicy", "TagUser"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := testWorld()
			spec := testSpec("")
			st := mustApply(t, w.converger(), spec, State{})
			tc.drift(w, &spec, st)
			read, err := w.converger().Read(context.Background(), spec, st)
			if err != nil {
				t.Fatal(err)
			}
			spec.Rotate = true
			w.resetCalls()
			fixed := mustApply(t, w.converger(), spec, read)
			assertConverged(t, w, spec, fixed)
			for _, op := range tc.reads {
				if w.count(op) == 0 {
					t.Errorf("%s not read: %v", op, w.calls)
				}
			}
			want := append([]string{"CreateAccessKey", "DeleteAccessKey", "UpdateStorageCredentialSecrets"}, tc.repair...)
			sort.Strings(want)
			if got := w.writes(); !reflect.DeepEqual(got, want) {
				t.Fatalf("writes: got %v, want %v", got, want)
			}
			if fixed.AccessKeyID == st.AccessKeyID {
				t.Fatal("key not rotated")
			}
			again, err := w.converger().Read(context.Background(), spec, fixed)
			if err != nil || !reflect.DeepEqual(again, fixed) {
				t.Fatalf("not converged after repair: %+v (%v)", again, err)
			}
		})
	}
}

// TestRotationWithLostCreateAccessKeyAnswer: the user's tags were not read before the key create, so a
// retried create reads them then and, the user being ours, removes the key whose secret nobody knows.
func TestRotationWithLostCreateAccessKeyAnswer(t *testing.T) {
	w := testWorld()
	spec := testSpec("")
	st := mustApply(t, w.converger(), spec, State{})
	read, err := w.converger().Read(context.Background(), spec, st)
	if err != nil {
		t.Fatal(err)
	}
	spec.Rotate = true
	w.duplicateNextKey = true
	w.resetCalls()
	rotated := mustApply(t, w.converger(), spec, read)
	assertConverged(t, w, spec, rotated)
	if w.count("GetUser") != 1 {
		t.Fatalf("want the user's tags read once after the retried create: %v", w.calls)
	}
}

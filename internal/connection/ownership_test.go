package connection

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

func withToken(s Spec, token string) Spec {
	s.Token = token
	return s
}

func (w *world) tagsOf(user string) map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if u := w.users[user]; u != nil {
		return cloneMap(u.tags)
	}
	return nil
}

func (w *world) policyTagsOf(arn string) map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p := w.policies[arn]; p != nil {
		return cloneMap(p.tags)
	}
	return nil
}

func (w *world) keyIDs(user string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	if u := w.users[user]; u != nil {
		for _, k := range u.keys {
			out = append(out, k.id)
		}
	}
	return out
}

// TestCreateClaimsUserAndPolicyLast: a finished create stamps its token on the user and the policy after
// ICA holds the key, and records it.
func TestCreateClaimsUserAndPolicyLast(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-a")
	st := mustApply(t, w.converger(), spec, State{})
	assertConverged(t, w, spec, st)
	if st.Token != "token-a" || w.tagsOf(spec.UserName)[TagClaim] != "token-a" || w.policyTagsOf(st.PolicyARN)[TagClaim] != "token-a" {
		t.Fatalf("claims not stamped: state %q, user %v, policy %v", st.Token, w.tagsOf(spec.UserName), w.policyTagsOf(st.PolicyARN))
	}
	// A create interrupted at ICA leaves the user unclaimed, and records no token.
	w2 := testWorld()
	w2.faults["CreateStorageCredential"] = errors.New("ICA is down")
	st2, err := w2.converger().Apply(context.Background(), spec, State{})
	if err == nil || st2.Token != "" || w2.tagsOf(spec.UserName)[TagClaim] != "" {
		t.Fatalf("a failed create must not claim: err %v, token %q, tags %v", err, st2.Token, w2.tagsOf(spec.UserName))
	}
	// Its retry (a new Terraform object, a new token) adopts the leftovers and says what it adopted.
	st3 := mustApply(t, w2.converger(), withToken(spec, "token-retry"), State{})
	assertConverged(t, w2, spec, st3)
	if st3.Token != "token-retry" || len(st3.Adopted) != 2 || !strings.Contains(strings.Join(st3.Adopted, " "), `IAM user "`+spec.UserName+`"`) {
		t.Fatalf("retry: token %q, adopted %q", st3.Token, st3.Adopted)
	}
}

// TestClaimedObjectsAreNeverAdopted: workflow 1 of issue 10 at apply time. A second connection with the
// same names (and so the same user, policy, rule ID and credential) is refused before it writes, and the
// first one is untouched.
func TestClaimedObjectsAreNeverAdopted(t *testing.T) {
	w := testWorld()
	a := withToken(testSpec("same/"), "token-a")
	sa := mustApply(t, w.converger(), a, State{})
	keys := w.keyIDs(a.UserName)
	w.resetCalls()
	_, err := w.converger().Apply(context.Background(), withToken(a, "token-b"), State{})
	if err == nil || !strings.Contains(err.Error(), "belongs to another connection") || !strings.Contains(err.Error(), "terraform import") {
		t.Fatalf("want a refusal naming the claim and import, got %v", err)
	}
	assertOnlyCreateAttempts(t, w)
	if !slices.Equal(w.keyIDs(a.UserName), keys) {
		t.Fatalf("the first connection's keys changed: %v -> %v", keys, w.keyIDs(a.UserName))
	}
	assertConverged(t, w, a, sa)
}

// TestHalfClaimedPairIsRefusedBeforeAnyWrite: a create killed between its two claim tags leaves one half
// of the pair claimed and the other not. A create with another token adopts neither half: it refuses
// before any write but its two create attempts, so its (tainted) state records nothing whose destroy could delete a part of the
// claimed connection. Either order of the two claims.
func TestHalfClaimedPairIsRefusedBeforeAnyWrite(t *testing.T) {
	for _, unclaim := range []string{"policy", "user"} {
		t.Run("unclaimed "+unclaim, func(t *testing.T) {
			w := testWorld()
			a := withToken(testSpec("half/"), "token-a")
			sa := mustApply(t, w.converger(), a, State{})
			w.mu.Lock()
			if unclaim == "policy" {
				delete(w.policies[sa.PolicyARN].tags, TagClaim)
			} else {
				delete(w.users[a.UserName].tags, TagClaim)
			}
			w.mu.Unlock()
			w.resetCalls()
			st, err := w.converger().Apply(context.Background(), withToken(a, "token-b"), State{})
			claimed := map[string]string{"policy": "IAM user", "user": "IAM policy"}[unclaim]
			if err == nil || !strings.Contains(err.Error(), claimed) || !strings.Contains(err.Error(), "belongs to another connection") || !strings.Contains(err.Error(), "terraform import") {
				t.Fatalf("want the claimed %s refused with the import advice, got %v", claimed, err)
			}
			assertOnlyCreateAttempts(t, w)
			if st.UserARN != "" || st.PolicyARN != "" || st.AccessKeyID != "" || len(st.Adopted) != 0 {
				t.Errorf("the refused create recorded parts of the other connection: %+v", st)
			}
		})
	}
}

// assertOnlyCreateAttempts fails on any write but the CreateUser and CreatePolicy that found the names
// taken.
func assertOnlyCreateAttempts(t *testing.T, w *world) {
	t.Helper()
	for _, op := range w.writes() {
		if op != "CreateUser" && op != "CreatePolicy" {
			t.Errorf("the refused connection wrote %s", op)
		}
	}
}

// TestCredentialHeldByAnotherConnectionIsRefused: workflow 2. The same credential_name on another folder
// is refused before anything is made, naming the IAM user that holds it.
func TestCredentialHeldByAnotherConnectionIsRefused(t *testing.T) {
	w := testWorld()
	a := withToken(testSpec("one/"), "token-a")
	sa := mustApply(t, w.converger(), a, State{})
	b := withToken(testSpec("two/"), "token-b")
	b.CredentialName = a.CredentialName
	w.resetCalls()
	_, err := w.converger().Apply(context.Background(), b, State{})
	if err == nil || !strings.Contains(err.Error(), `IAM user "`+a.UserName+`"`) || !strings.Contains(err.Error(), "own credential_name") {
		t.Fatalf("want the holder named, got %v", err)
	}
	if ws := w.writes(); len(ws) != 0 {
		t.Fatalf("refused after writing %v", ws)
	}
	if w.count("ListUsers") != 1 {
		t.Fatalf("want one ListUsers, got %d", w.count("ListUsers"))
	}
	assertConverged(t, w, a, sa)
	// With the other connection gone (its user deleted), the credential is free to adopt, and the
	// warning says so only once ICA holds the new key.
	if _, err := w.converger().Delete(context.Background(), a, sa); err != nil {
		t.Fatal(err)
	}
	sb := mustApply(t, w.converger(), b, State{})
	if !strings.Contains(strings.Join(sb.Adopted, " "), "now holds the new access key") {
		t.Fatalf("adopted: %q", sb.Adopted)
	}
}

// TestAdoptedCredentialWarningOnlyAfterUpdateSecrets: "now holds the new key" is never said when the
// key did not reach ICA.
func TestAdoptedCredentialWarningOnlyAfterUpdateSecrets(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-a")
	w.creds["pre"] = &fakeCred{}
	w.creds["pre"].c.ID, w.creds["pre"].c.Name = "pre", spec.CredentialName
	w.faults["UpdateStorageCredentialSecrets"] = errors.New("ICA said no")
	st, err := w.converger().Apply(context.Background(), spec, State{})
	if err == nil {
		t.Fatal("want the ICA failure")
	}
	if s := strings.Join(st.Adopted, " "); strings.Contains(s, "now holds") {
		t.Fatalf("claimed ICA holds the key after a failed update: %q", s)
	}
}

// TestDestroyOfAnUnfinishedCreateLeavesWhatAnotherClaimed: workflow 3. A failed create (no token) whose
// user a later create adopted and claimed is destroyed without touching that user, its key or its rule.
func TestDestroyOfAnUnfinishedCreateLeavesWhatAnotherClaimed(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-failed")
	w.faults["CreateStorageCredential"] = errors.New("ICA is down")
	failed, err := w.converger().Apply(context.Background(), spec, State{})
	if err == nil || failed.UserARN == "" {
		t.Fatalf("want a partial failed create, got %v %+v", err, failed)
	}
	live := mustApply(t, w.converger(), withToken(spec, "token-live"), State{})
	notes, err := w.converger().Delete(context.Background(), withToken(spec, ""), failed)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) == 0 || !strings.Contains(notes[0], "claimed by another") {
		t.Fatalf("want a note, got %q", notes)
	}
	assertConverged(t, w, withToken(spec, "token-live"), live)
	// The live one's own destroy deletes everything.
	if _, err := w.converger().Delete(context.Background(), spec, live); err != nil {
		t.Fatal(err)
	}
	if w.tagsOf(spec.UserName) != nil {
		t.Fatal("the live connection's destroy left its user")
	}
	if i := policy.FindCORS(w.buckets["data"].cors, policy.ICARule(spec.CORSRuleID, spec.CORSOrigins)); i >= 0 {
		t.Fatal("the live connection's destroy left its rule")
	}
}

// TestUpgradeOfSharedStateDeletesNothing: two connections that predate claims share one user (workflow 1
// before this change). The first apply with a token reports the sharing, claims nothing, deletes no key.
func TestUpgradeOfSharedStateDeletesNothing(t *testing.T) {
	w := testWorld()
	a := testSpec("same/")
	sa := mustApply(t, w.converger(), a, State{})
	// The second connection's key on the same user (as the old rules let it happen).
	other, err := w.CreateAccessKey(context.Background(), a.UserName)
	if err != nil {
		t.Fatal(err)
	}
	keys := w.keyIDs(a.UserName)
	st := mustApply(t, w.converger(), withToken(a, "token-a"), sa)
	if st.Token != "" || len(st.Notes) == 0 || !strings.Contains(strings.Join(st.Notes, " "), other.ID) {
		t.Fatalf("want the sharing reported and no token: token %q notes %q", st.Token, st.Notes)
	}
	if !slices.Equal(w.keyIDs(a.UserName), keys) || w.tagsOf(a.UserName)[TagClaim] != "" {
		t.Fatalf("the upgrade changed keys or claimed: %v -> %v, tags %v", keys, w.keyIDs(a.UserName), w.tagsOf(a.UserName))
	}
	// Unshared older state is simply claimed.
	w2 := testWorld()
	old := mustApply(t, w2.converger(), a, State{})
	up := mustApply(t, w2.converger(), withToken(a, "token-up"), old)
	if up.Token != "token-up" || w2.tagsOf(a.UserName)[TagClaim] != "token-up" || len(up.Notes) != 0 {
		t.Fatalf("upgrade: token %q tags %v notes %q", up.Token, w2.tagsOf(a.UserName), up.Notes)
	}
	assertConverged(t, w2, a, up)
}

// TestDestroyDeletesOnlyTheRecordedKeyWithoutAClaim: a destroy without a claim does not sweep keys it did
// not record from a user made for another connection; with its claim, leftovers of a cut-short rotation go.
func TestDestroyDeletesOnlyTheRecordedKeyWithoutAClaim(t *testing.T) {
	w := testWorld()
	spec := testSpec("a/")
	st := mustApply(t, w.converger(), spec, State{})
	w.mu.Lock()
	w.users[spec.UserName].tags[TagCredential] = "another-connections-credential"
	w.mu.Unlock()
	extra, err := w.CreateAccessKey(context.Background(), spec.UserName)
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.converger().Delete(context.Background(), spec, st)
	if err == nil || !strings.Contains(err.Error(), extra.ID) || w.tagsOf(spec.UserName) == nil {
		t.Fatalf("want a refusal naming %s and the user kept, got %v", extra.ID, err)
	}
	if slices.Contains(w.keyIDs(spec.UserName), st.AccessKeyID) || !slices.Contains(w.keyIDs(spec.UserName), extra.ID) {
		t.Fatalf("want only the recorded key deleted: %v", w.keyIDs(spec.UserName))
	}

	w = testWorld()
	spec = withToken(spec, "token")
	st = mustApply(t, w.converger(), spec, State{})
	if _, err := w.CreateAccessKey(context.Background(), spec.UserName); err != nil {
		t.Fatal(err)
	}
	if _, err := w.converger().Delete(context.Background(), spec, st); err != nil || w.tagsOf(spec.UserName) != nil {
		t.Fatalf("claimed: err %v, user left %v", err, w.tagsOf(spec.UserName))
	}
}

// TestSeveralCredentialsOfOneNameAreRefused: the provider's one adopt-by-name rule (icaobjects): several
// ICA credentials of the connection's name are a refusal listing their UUIDs, before anything is made.
func TestSeveralCredentialsOfOneNameAreRefused(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-a")
	for _, id := range []string{"11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"} {
		w.creds[id] = &fakeCred{}
		w.creds[id].c.ID, w.creds[id].c.Name = id, spec.CredentialName
	}
	_, err := w.converger().Apply(context.Background(), spec, State{})
	if err == nil || !strings.Contains(err.Error(), "11111111-1111-1111-1111-111111111111") || !strings.Contains(err.Error(), "22222222-2222-2222-2222-222222222222") || !strings.Contains(err.Error(), "UUID") {
		t.Fatalf("want a refusal listing both UUIDs, got %v", err)
	}
	if ws := w.writes(); len(ws) != 0 {
		t.Fatalf("wrote %v before refusing", ws)
	}
}

// TestAHalfStampedClaimIsTakenBack: when one claim write fails, the other is undone, so the retry (with
// a new token, as the state records none) adopts both objects.
func TestAHalfStampedClaimIsTakenBack(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-a")
	w.faults["TagPolicy"] = errors.New("throttled for good")
	st, err := w.converger().Apply(context.Background(), spec, State{})
	if err == nil || st.Token != "" || w.tagsOf(spec.UserName)[TagClaim] != "" {
		t.Fatalf("want the failure, no token and the user's claim undone: %v, %q, %v", err, st.Token, w.tagsOf(spec.UserName))
	}
	retry := mustApply(t, w.converger(), withToken(spec, "token-b"), State{})
	assertConverged(t, w, spec, retry)
	if retry.Token != "token-b" {
		t.Fatalf("retry token %q", retry.Token)
	}
}

// TestImportTakesOverTheClaim: the recovery the refusal names. A connection whose state was lost (here:
// never written) is imported with its claim, and then converges without a write.
func TestImportTakesOverTheClaim(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-lost")
	mustApply(t, w.converger(), spec, State{})
	if _, err := w.converger().Apply(context.Background(), withToken(spec, "token-rerun"), State{}); err == nil {
		t.Fatal("the re-run must refuse the claimed objects")
	}
	im, err := w.converger().Import(context.Background(), spec.Bucket, spec.UserName, spec.CredentialName)
	if err != nil {
		t.Fatal(err)
	}
	if im.State.Token != "token-lost" {
		t.Fatalf("import took token %q, want the claim", im.State.Token)
	}
	w.resetCalls()
	st := mustApply(t, w.converger(), withToken(spec, im.State.Token), im.State)
	if ws := w.writes(); len(ws) != 0 {
		t.Fatalf("the imported connection needed writes: %v", ws)
	}
	assertConverged(t, w, spec, st)
}

// TestImportTakesOverAHalfClaimedPair: a create killed between its two claim tags leaves only the policy
// claimed. The import takes that claim, and the next apply that reads the user (a change of its tags)
// stamps the user's half.
func TestImportTakesOverAHalfClaimedPair(t *testing.T) {
	w := testWorld()
	spec := withToken(testSpec("a/"), "token-lost")
	st := mustApply(t, w.converger(), spec, State{})
	w.mu.Lock()
	delete(w.users[spec.UserName].tags, TagClaim)
	w.mu.Unlock()
	im, err := w.converger().Import(context.Background(), spec.Bucket, spec.UserName, spec.CredentialName)
	if err != nil {
		t.Fatal(err)
	}
	if im.State.Token != "token-lost" {
		t.Fatalf("import took token %q, want the policy's claim", im.State.Token)
	}
	changed := withToken(spec, im.State.Token)
	changed.Tags = map[string]string{"team": "oncology"}
	st = mustApply(t, w.converger(), changed, im.State)
	if got := w.tagsOf(spec.UserName)[TagClaim]; got != "token-lost" || w.policyTagsOf(st.PolicyARN)[TagClaim] != "token-lost" {
		t.Fatalf("after the change the user carries claim %q, the policy %q; want both token-lost", got, w.policyTagsOf(st.PolicyARN)[TagClaim])
	}
	assertConverged(t, w, changed, st)
}

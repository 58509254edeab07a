package connection

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

const (
	testRole           = "arn:aws:iam::111122223333:role/ica-copy-move"
	foreignBucketStmt  = `{"Sid":"Website","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/public/*"}`
	foreignBucketStmt2 = `{"Sid":"LaterByHand","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::data/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`
)

func roleSpec(prefix string) Spec {
	s := testSpec(prefix)
	s.CrossAccountRoleARN = testRole
	s.BucketPolicySid = policy.CopyMoveSid(s.UserName)
	return s
}

func (w *world) bucketPolicy(t *testing.T) policy.BucketPolicy {
	t.Helper()
	w.mu.Lock()
	doc := w.buckets["data"].policy
	w.mu.Unlock()
	p, err := policy.ParseBucketPolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func assertStatement(t *testing.T, w *world, spec Spec, versioned bool) {
	t.Helper()
	p := w.bucketPolicy(t)
	i := p.Find(spec.BucketPolicySid)
	if i < 0 || !policy.StatementMatches(p.Statements[i], copyMoveStatement(spec, versioned)) {
		t.Fatalf("our statement %s missing or wrong in %s", spec.BucketPolicySid, p.JSON())
	}
}

// The statement goes next to a foreign one, which stays byte for byte through update, drift repair
// and destroy; a statement added later by someone else is not drift.
func TestBucketPolicyStatementLifecycle(t *testing.T) {
	w := testWorld()
	w.buckets["data"].policy = `{"Version":"2012-10-17","Statement":[` + foreignBucketStmt + `]}`
	c := w.converger()
	spec := roleSpec("ica/")
	st := mustApply(t, c, spec, State{})
	if st.BucketPolicySid != spec.BucketPolicySid {
		t.Fatalf("state Sid %q", st.BucketPolicySid)
	}
	assertStatement(t, w, spec, false)
	if p := w.bucketPolicy(t); len(p.Statements) != 2 || string(p.Statements[0]) != foreignBucketStmt {
		t.Fatalf("foreign statement changed: %s", p.JSON())
	}

	// A foreign statement added later is not drift.
	w.mu.Lock()
	w.buckets["data"].policy = strings.Replace(w.buckets["data"].policy, `]}`, `,`+foreignBucketStmt2+`]}`, 1)
	w.mu.Unlock()
	fresh := w.converger() // a new process: nothing cached
	read, err := fresh.Read(context.Background(), spec, st)
	if err != nil || read.BucketPolicySid != spec.BucketPolicySid {
		t.Fatalf("a foreign statement added later showed as drift: %+v %v", read, err)
	}

	// Prefix update: the statement follows the folder.
	spec2 := spec
	spec2.Prefix = "ica/runs/"
	st = mustApply(t, fresh, spec2, read)
	assertStatement(t, w, spec2, false)

	// Drift: our statement edited by hand; refresh notices, apply repairs it alone.
	p := w.bucketPolicy(t)
	i := p.Find(spec2.BucketPolicySid)
	edited := strings.Replace(string(p.Statements[i]), `"s3:DeleteObject",`, "", 1)
	p.Statements[i] = []byte(edited)
	w.mu.Lock()
	w.buckets["data"].policy = p.JSON()
	w.mu.Unlock()
	c3 := w.converger()
	read, err = c3.Read(context.Background(), spec2, st)
	if err != nil || read.BucketPolicySid != "" {
		t.Fatalf("an edit of our statement was not drift: %+v %v", read, err)
	}
	st = mustApply(t, c3, spec2, read)
	assertStatement(t, w, spec2, false)

	// Destroy: only ours goes.
	if _, err := c3.Delete(context.Background(), spec2, st); err != nil {
		t.Fatal(err)
	}
	p = w.bucketPolicy(t)
	if len(p.Statements) != 2 || string(p.Statements[0]) != foreignBucketStmt || string(p.Statements[1]) != foreignBucketStmt2 {
		t.Fatalf("destroy touched other statements: %s", p.JSON())
	}
}

func TestBucketPolicyOnlyOursIsDeletedWithTheConnection(t *testing.T) {
	w := testWorld()
	w.buckets["data"].versioned = true
	c := w.converger()
	spec := roleSpec("")
	st := mustApply(t, c, spec, State{})
	assertStatement(t, w, spec, true)
	if _, err := c.Delete(context.Background(), spec, st); err != nil {
		t.Fatal(err)
	}
	if w.buckets["data"].policy != "" || w.calls["DeleteBucketPolicy"] != 1 {
		t.Fatalf("the policy held only our statement: it must be deleted, got %q", w.buckets["data"].policy)
	}
}

func TestBucketPolicyRoleUnsetRemovesOurs(t *testing.T) {
	w := testWorld()
	w.buckets["data"].policy = `{"Version":"2012-10-17","Statement":[` + foreignBucketStmt + `]}`
	c := w.converger()
	spec := roleSpec("ica/")
	st := mustApply(t, c, spec, State{})
	spec.CrossAccountRoleARN, spec.BucketPolicySid = "", ""
	st = mustApply(t, c, spec, st)
	if p := w.bucketPolicy(t); st.BucketPolicySid != "" || len(p.Statements) != 1 || string(p.Statements[0]) != foreignBucketStmt {
		t.Fatalf("unsetting cross_account_role_arn must remove our statement alone: %+v %s", st, p.JSON())
	}
}

// Five connections on one bucket in one apply: every statement lands (no lost update).
func TestBucketPolicyFiveConnectionsConcurrently(t *testing.T) {
	w := testWorld()
	w.buckets["data"].policy = `{"Version":"2012-10-17","Statement":[` + foreignBucketStmt + `]}`
	c := w.converger()
	specs := make([]Spec, 5)
	errs := make([]error, 5)
	var wg sync.WaitGroup
	for i := range specs {
		specs[i] = roleSpec(fmt.Sprintf("p%d/", i))
		wg.Go(func() { _, errs[i] = c.Apply(context.Background(), specs[i], State{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		assertStatement(t, w, specs[i], false)
	}
	if p := w.bucketPolicy(t); len(p.Statements) != 6 {
		t.Fatalf("want the foreign statement and five of ours, got %s", p.JSON())
	}
}

func TestBucketPolicyInvalidPrincipal(t *testing.T) {
	w := testWorld()
	deleted := strings.Replace(copyMoveStatement(roleSpec("ica/"), false).JSON(), `"`+testRole+`"`, `"AROAEXAMPLEID12345678"`, 1)
	w.buckets["data"].policy = `{"Version":"2012-10-17","Statement":[` + deleted + `]}`
	w.faults["PutBucketPolicy"] = fmt.Errorf("MalformedPolicy: Invalid principal in policy (%w)", ErrInvalidPrincipal)
	c := w.converger()
	_, err := c.Apply(context.Background(), roleSpec("ica/"), State{})
	if err == nil {
		t.Fatal("want the refusal")
	}
	for _, want := range []string{testRole, "Invalid principal in policy", "does not exist", "AROAEXAMPLEID12345678", "ICA's documentation"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if len(w.creds) != 0 {
		t.Fatal("an ICA credential was created although the bucket policy failed")
	}
}

func TestImportFindsHandMadeStatement(t *testing.T) {
	w := testWorld()
	c := w.converger()
	spec := testSpec("ica/")
	st := mustApply(t, c, spec, State{})
	hand := strings.Replace(copyMoveStatement(roleSpec("ica/"), false).JSON(), policy.CopyMoveSid(spec.UserName), "IcaCopyMoveByHand", 1)
	w.buckets["data"].policy = `{"Version":"2012-10-17","Statement":[` + foreignBucketStmt + `,` + hand + `]}`
	im, err := w.converger().Import(context.Background(), "data", spec.UserName, st.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	if im.Spec.CrossAccountRoleARN != testRole || im.Spec.BucketPolicySid != "IcaCopyMoveByHand" || im.State.BucketPolicySid != "IcaCopyMoveByHand" {
		t.Fatalf("import did not find the hand-made statement: %+v / %+v", im.Spec, im.State)
	}
}

package connection

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// fakeTester records the self-test's calls; deny maps an action name to how many times it is denied
// (-1: always).
type fakeTester struct {
	calls     []string
	deny      map[string]int
	versioned bool
	locked    bool
	objects   map[string]bool
	cleaned   []string
}

func (f *fakeTester) denied(op string) error {
	n := f.deny[op]
	if n == 0 {
		return nil
	}
	if n > 0 {
		f.deny[op] = n - 1
	}
	return fmt.Errorf("api error AccessDenied: Access Denied (%w)", ErrAccessDenied)
}

func (f *fakeTester) ListObjects(_ context.Context, _ NewAccessKey, _, _, prefix string) error {
	f.calls = append(f.calls, "List "+prefix)
	return f.denied("List")
}

func (f *fakeTester) PutObject(_ context.Context, _ NewAccessKey, o Object, kms string) (string, error) {
	key := o.Key
	f.calls = append(f.calls, "Put "+key+" "+kms)
	if err := f.denied("Put"); err != nil {
		return "", err
	}
	f.objects[key] = true
	if f.versioned {
		return "v1", nil
	}
	return "", nil
}

func (f *fakeTester) GetObject(_ context.Context, _ NewAccessKey, o Object) error {
	key := o.Key
	f.calls = append(f.calls, "Get "+key)
	if err := f.denied("Get"); err != nil {
		return err
	}
	if !f.objects[key] {
		return fmt.Errorf("NoSuchKey (%w)", ErrNotFound)
	}
	return nil
}

func (f *fakeTester) DeleteObject(_ context.Context, _ NewAccessKey, o Object, version string) error {
	key := o.Key
	f.calls = append(f.calls, "Delete "+key+" "+version)
	if err := f.denied("Delete"); err != nil {
		return err
	}
	if f.locked {
		return fmt.Errorf("AccessDenied: Access Denied (%w)", ErrAccessDenied)
	}
	delete(f.objects, key)
	return nil
}

func (f *fakeTester) GetFederationToken(context.Context, NewAccessKey) error {
	f.calls = append(f.calls, "Federation")
	return f.denied("Federation")
}

func (f *fakeTester) ProbeLocked(context.Context, Object, string) (bool, error) { return f.locked, nil }

func (f *fakeTester) DeleteProbe(_ context.Context, o Object, version string) error {
	key := o.Key
	f.cleaned = append(f.cleaned, key+" "+version)
	delete(f.objects, key)
	return nil
}

func runAccess(t *testing.T, f *fakeTester, check AccessCheck) ([]string, time.Duration, error) {
	t.Helper()
	if f.objects == nil {
		f.objects = map[string]bool{}
	}
	if f.deny == nil {
		f.deny = map[string]int{}
	}
	a := &accessTest{tester: f, cleaner: f, sleep: realSleep, window: DefaultAccessRetryWindow, check: check,
		key: NewAccessKey{ID: "AKIANEW", Secret: "s"}}
	start := time.Now()
	w, err := a.run(context.Background())
	return w, time.Since(start), err
}

func realSleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

var probeRe = regexp.MustCompile(`^ica/\.ica-tf-probe-[0-9a-f]{16}$`)

func TestAccessSelfTestCreate(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		f := &fakeTester{versioned: versioned}
		w, _, err := runAccess(t, f, AccessCheck{UserName: "u", Bucket: "b", Prefix: "ica/", KMSKeyARN: "arn:aws:kms:us-east-1:1:key/k", Versioned: versioned})
		if err != nil || len(w) != 0 {
			t.Fatalf("versioned=%v: %v %v", versioned, w, err)
		}
		if len(f.calls) != 5 {
			t.Fatalf("versioned=%v: %d calls, budget is at most 6: %v", versioned, len(f.calls), f.calls)
		}
		probe := strings.Fields(f.calls[1])[1]
		if !probeRe.MatchString(probe) {
			t.Fatalf("probe key %q is not PREFIX.ica-tf-probe-<16 hex>", probe)
		}
		wantDelete := "Delete " + probe + " "
		if versioned {
			wantDelete += "v1"
		}
		want := []string{"List ica/", "Put " + probe + " arn:aws:kms:us-east-1:1:key/k", "Get " + probe, wantDelete, "Federation"}
		if strings.Join(f.calls, "|") != strings.Join(want, "|") {
			t.Fatalf("calls %v, want %v", f.calls, want)
		}
		if len(f.objects) != 0 || len(f.cleaned) != 0 {
			t.Fatalf("probe left behind or cleaned by the admin: %v %v", f.objects, f.cleaned)
		}
	}
}

func TestAccessSelfTestRotationWritesNothing(t *testing.T) {
	f := &fakeTester{}
	w, _, err := runAccess(t, f, AccessCheck{UserName: "u", Bucket: "b", Prefix: "ica/", Rotation: true})
	if err != nil || len(w) != 0 || len(f.calls) != 3 {
		t.Fatalf("rotation: %v %v, calls %v (budget 3)", w, err, f.calls)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "Put") || strings.HasPrefix(c, "Delete") {
			t.Fatalf("rotation wrote: %v", f.calls)
		}
	}
}

// A denial that lasts fails after the retry window, naming the action, the resource and the causes in
// order; the probe is deleted even when the test failed after writing it.
func TestAccessSelfTestDenials(t *testing.T) {
	for _, tc := range []struct {
		op, action string
		rotation   bool
		versioned  bool
	}{
		{"List", "s3:ListBucket", false, false},
		{"Put", "s3:PutObject", false, false},
		{"Get", "s3:GetObject", false, false},
		{"Delete", "s3:DeleteObject", false, false},
		{"Delete", "s3:DeleteObjectVersion", false, true},
		{"Federation", "sts:GetFederationToken", false, false},
		{"List", "s3:ListBucket", true, false},
		{"Get", "s3:GetObject", true, false},
		{"Federation", "sts:GetFederationToken", true, false},
	} {
		t.Run(fmt.Sprintf("%s/rotation=%v/versioned=%v", tc.op, tc.rotation, tc.versioned), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeTester{deny: map[string]int{tc.op: -1}, versioned: tc.versioned}
				_, took, err := runAccess(t, f, AccessCheck{UserName: "u", Bucket: "b", Prefix: "ica/", KMSKeyARN: "arn:aws:kms:us-east-1:1:key/k", Rotation: tc.rotation, Versioned: tc.versioned})
				var denied *AccessDeniedError
				if !errors.As(err, &denied) || denied.Action != tc.action {
					t.Fatalf("want a denial of %s, got %v", tc.action, err)
				}
				if took > DefaultAccessRetryWindow || took < DefaultAccessRetryWindow/2 {
					t.Fatalf("denial retried for %v, want within the %v window and most of it", took, DefaultAccessRetryWindow)
				}
				msg := err.Error()
				order := []string{tc.action, "arn:aws:s3:::b", "nothing was sent to ICA", "bucket policy", "SCP", "permissions boundary", "key policy of arn:aws:kms"}
				if tc.action == "sts:GetFederationToken" {
					order[1] = "on *"
				}
				last := -1
				for _, w := range order {
					i := strings.Index(msg, w)
					if i <= last {
						t.Fatalf("message lacks %q or has it out of order: %s", w, msg)
					}
					last = i
				}
				if len(f.objects) != 0 {
					t.Fatalf("probe object left behind: %v", f.objects)
				}
				if tc.op == "Get" && !tc.rotation || tc.op == "Delete" {
					if len(f.cleaned) != 1 {
						t.Fatalf("the written probe was not deleted with the provider's identity: %v", f.cleaned)
					}
				}
			})
		})
	}
}

func TestAccessSelfTestRetriesTransientDenial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTester{deny: map[string]int{"Put": 3}}
		_, took, err := runAccess(t, f, AccessCheck{UserName: "u", Bucket: "b"})
		if err != nil {
			t.Fatalf("a denial that passes within the window must not fail: %v", err)
		}
		if took >= DefaultAccessRetryWindow {
			t.Fatalf("took %v", took)
		}
		if n := strings.Count(strings.Join(f.calls, "|"), "Put "); n != 4 {
			t.Fatalf("PutObject tried %d times, want 4", n)
		}
	})
}

func TestAccessSelfTestObjectLock(t *testing.T) {
	f := &fakeTester{versioned: true, locked: true}
	w, _, err := runAccess(t, f, AccessCheck{UserName: "u", Bucket: "b", Versioned: true})
	if err != nil || len(w) != 1 || !strings.Contains(w[0], "Object Lock") || !strings.Contains(w[0], `"v1"`) || !strings.Contains(w[0], ProbeMarker) {
		t.Fatalf("Object Lock: want one warning naming the probe version, got %v %v", w, err)
	}
}

func (w *world) convergerWithAccess(f *fakeTester) *Converger {
	c := w.converger()
	c.d.Access, c.d.ProbeCleaner, c.d.AccessRetryWindow = f, f, 50*time.Millisecond
	if f.objects == nil {
		f.objects = map[string]bool{}
	}
	if f.deny == nil {
		f.deny = map[string]int{}
	}
	return c
}

// A create whose self-test is denied creates no ICA credential and deletes the new key; a rotation
// whose test is denied keeps the old key in ICA and in the state, and deletes the new one.
func TestVerifyAccessGuardsICA(t *testing.T) {
	w := testWorld()
	f := &fakeTester{deny: map[string]int{"Put": -1}}
	c := w.convergerWithAccess(f)
	spec := testSpec("ica/")
	spec.VerifyAccess = true
	st, err := c.Apply(context.Background(), spec, State{})
	var denied *AccessDeniedError
	if !errors.As(err, &denied) || denied.Action != "s3:PutObject" {
		t.Fatalf("want the PutObject denial, got %v", err)
	}
	if len(w.creds) != 0 || st.CredentialID != "" || st.AccessKeyID != "" || len(w.users[spec.UserName].keys) != 0 {
		t.Fatalf("a denied create reached ICA or kept its key: creds %d state %+v keys %+v", len(w.creds), st, w.users[spec.UserName].keys)
	}

	f.deny = map[string]int{}
	st = mustApply(t, c, spec, st)
	assertConverged(t, w, spec, st)
	if !strings.Contains(strings.Join(f.calls, "|"), "Put ica/"+ProbeMarker) {
		t.Fatalf("the create's self-test wrote no probe: %v", f.calls)
	}

	f.calls, f.deny = nil, map[string]int{"Get": -1}
	old := st
	oldSecret := w.creds[st.CredentialID].secret
	spec.Rotate = true
	st, err = c.Apply(context.Background(), spec, old)
	if !errors.As(err, &denied) || denied.Action != "s3:GetObject" || !denied.Check.Rotation {
		t.Fatalf("want the rotation's GetObject denial, got %v", err)
	}
	if st.AccessKeyID != old.AccessKeyID || w.creds[old.CredentialID].keyID != old.AccessKeyID || w.creds[old.CredentialID].secret != oldSecret {
		t.Fatalf("a denied rotation changed ICA or the state: state key %s, ICA key %s", st.AccessKeyID, w.creds[old.CredentialID].keyID)
	}
	if keys := w.users[spec.UserName].keys; len(keys) != 1 || keys[0].id != old.AccessKeyID {
		t.Fatalf("the new key was not deleted: %+v", keys)
	}
	for _, call := range f.calls {
		if strings.HasPrefix(call, "Put") || strings.HasPrefix(call, "Delete") {
			t.Fatalf("the rotation's self-test wrote: %v", f.calls)
		}
	}
}

func TestVerifyAccessOff(t *testing.T) {
	w := testWorld()
	f := &fakeTester{deny: map[string]int{"List": -1}}
	c := w.convergerWithAccess(f)
	st := mustApply(t, c, testSpec("ica/"), State{})
	assertConverged(t, w, testSpec("ica/"), st)
	if len(f.calls) != 0 {
		t.Fatalf("verify_access = false made probe calls: %v", f.calls)
	}
}

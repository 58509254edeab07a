package connection

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ica-tf/terraform-provider-ica/internal/wait"
)

// ErrAccessDenied is wrapped by adapters when AWS refuses a call (AccessDenied, 403).
var ErrAccessDenied = errors.New("access denied")

// ErrObjectLocked is wrapped by AccessTester.DeleteObject when Object Lock keeps the version.
var ErrObjectLocked = errors.New("object version protected by Object Lock")

// DefaultAccessRetryWindow bounds how long a denial is retried before it counts: a fresh key or a fresh
// policy attachment can be denied for a while (IAM is eventually consistent).
const DefaultAccessRetryWindow = 30 * time.Second

// ProbeMarker is in the name of every probe object: PREFIX + ProbeMarker + 16 hex digits.
const ProbeMarker = ".ica-tf-probe-"

// Object names the probe object of a self-test: the bucket, its region and the key.
type Object struct {
	Region, Bucket, Key string
}

// AccessTester makes the self-test's calls, each signed with the key under test and sent to the bucket's
// region. Denials wrap ErrAccessDenied; a missing object wraps ErrNotFound.
type AccessTester interface {
	ListObjects(ctx context.Context, key NewAccessKey, region, bucket, prefix string) error
	// PutObject writes an empty object (SSE-KMS with kmsKeyARN when set) and returns its version id
	// ("" in an unversioned bucket).
	PutObject(ctx context.Context, key NewAccessKey, o Object, kmsKeyARN string) (string, error)
	GetObject(ctx context.Context, key NewAccessKey, o Object) error
	// DeleteObject deletes the object, or with versionID that version for good (no delete marker).
	DeleteObject(ctx context.Context, key NewAccessKey, o Object, versionID string) error
	GetFederationToken(ctx context.Context, key NewAccessKey) error
}

// ProbeCleaner works on a probe object with the provider's own identity: it deletes one the key under
// test could write but not delete, and tells whether Object Lock retention keeps a version (AWS answers
// a delete of such a version with a plain AccessDenied).
type ProbeCleaner interface {
	DeleteProbe(ctx context.Context, o Object, versionID string) error
	ProbeLocked(ctx context.Context, o Object, versionID string) (bool, error)
}

// AccessCheck describes one self-test.
type AccessCheck struct {
	UserName, Region, Bucket, Prefix, KMSKeyARN string
	// Versioned: the probe's version is deleted, not just the object.
	Versioned bool
	// Rotation: the folder is live, so no write (ICA's event notifications would see the probe).
	Rotation bool
}

// AccessDeniedError is a denial that outlasted the retry window.
type AccessDeniedError struct {
	Check    AccessCheck
	KeyID    string
	Action   string // IAM action, e.g. "s3:PutObject"
	Resource string
	Err      error
}

func (e *AccessDeniedError) Error() string {
	causes := []string{
		fmt.Sprintf("a statement in the bucket policy of %q that denies it", e.Check.Bucket),
		"a service or resource control policy (SCP, RCP) of your AWS organisation",
		fmt.Sprintf("a permissions boundary on IAM user %q", e.Check.UserName),
	}
	if e.Check.KMSKeyARN != "" || strings.Contains(strings.ToLower(e.Err.Error()), "kms") {
		key := e.Check.KMSKeyARN
		if key == "" {
			key = "the bucket's default encryption key"
		}
		causes = append(causes, fmt.Sprintf("the key policy of %s not allowing the user", key))
	}
	return fmt.Sprintf("access self-test: the new access key %s of IAM user %q was denied %s on %s (%v), although the "+
		"connection's IAM policy allows it. ICA would be denied the same, so nothing was sent to ICA. Likely causes, in order: %s. "+
		"Fix the cause and apply again, or set verify_access = false to skip the test",
		e.KeyID, e.Check.UserName, e.Action, e.Resource, e.Err, strings.Join(causes, "; "))
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

// accessTest runs one self-test with the key; warnings are returned for what does not fail it.
type accessTest struct {
	tester  AccessTester
	cleaner ProbeCleaner
	sleep   func(context.Context, time.Duration) error
	window  time.Duration
	check   AccessCheck
	key     NewAccessKey
}

// probeName returns a fresh probe object key under the prefix.
func probeName(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + ProbeMarker + hex.EncodeToString(b)
}

// run exercises what ICA will do under the prefix with the new key. Create: list, put, get and
// delete one probe object (its version in a versioned bucket), federation token: 5 calls. Rotation: list,
// get of a missing key, federation token: 3 calls. Retries of denials come on top.
func (a *accessTest) run(ctx context.Context) (warnings []string, err error) {
	c := a.check
	bucketARN := "arn:aws:s3:::" + c.Bucket
	if err := a.call(ctx, "s3:ListBucket", bucketARN+" (prefix "+quoteOrRoot(c.Prefix)+")", func() error {
		return a.tester.ListObjects(ctx, a.key, c.Region, c.Bucket, c.Prefix)
	}); err != nil {
		return nil, err
	}
	object := Object{Region: c.Region, Bucket: c.Bucket, Key: probeName(c.Prefix)}
	objectARN := bucketARN + "/" + object.Key
	if c.Rotation {
		if err := a.call(ctx, "s3:GetObject", objectARN, func() error {
			if err := a.tester.GetObject(ctx, a.key, object); !errors.Is(err, ErrNotFound) {
				return err
			}
			return nil
		}); err != nil {
			return nil, err
		}
	} else {
		w, err := a.objectRoundTrip(ctx, object, objectARN)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}
	if err := a.call(ctx, "sts:GetFederationToken", "*", func() error { return a.tester.GetFederationToken(ctx, a.key) }); err != nil {
		return warnings, err
	}
	return warnings, nil
}

// objectRoundTrip writes, reads and deletes the probe. Once written, the probe is deleted whatever
// happens next: with the key under test, else with the provider's own identity.
func (a *accessTest) objectRoundTrip(ctx context.Context, object Object, objectARN string) (warnings []string, err error) {
	c := a.check
	var version string
	if err := a.call(ctx, "s3:PutObject", objectARN, func() error {
		v, err := a.tester.PutObject(ctx, a.key, object, c.KMSKeyARN)
		version = v
		return err
	}); err != nil {
		return nil, err
	}
	deleted := false
	defer func() {
		if deleted {
			return
		}
		// Never leave the probe behind, even when the test failed on it.
		if cerr := a.cleaner.DeleteProbe(context.WithoutCancel(ctx), object, version); cerr != nil {
			warnings = append(warnings, fmt.Sprintf("The access self-test's probe object %s (version %q) could not be deleted (%v); delete it by hand.", objectARN, version, cerr))
		}
	}()
	if err := a.call(ctx, "s3:GetObject", objectARN, func() error { return a.tester.GetObject(ctx, a.key, object) }); err != nil {
		return nil, err
	}
	action := "s3:DeleteObject"
	if version != "" {
		action = "s3:DeleteObjectVersion"
	}
	err = a.call(ctx, action, objectARN, func() error {
		err := a.tester.DeleteObject(ctx, a.key, object, version)
		if version != "" && errors.Is(err, ErrAccessDenied) {
			if locked, lerr := a.cleaner.ProbeLocked(ctx, object, version); lerr == nil && locked {
				return fmt.Errorf("%v (%w)", err, ErrObjectLocked)
			}
		}
		return err
	})
	switch {
	case errors.Is(err, ErrObjectLocked):
		deleted = true // nobody can delete it before its retention ends
		return []string{fmt.Sprintf("The access self-test's probe object %s version %q is kept by the bucket's Object Lock "+
			"retention and cannot be deleted until it ends; it is empty. Everything else the test tried worked.", objectARN, version)}, nil
	case err != nil:
		return nil, err
	}
	deleted = true
	return nil, nil
}

// accessBackoff is the wait between tries of a denied probe call.
var accessBackoff = wait.Backoff{Initial: 500 * time.Millisecond, Max: 4 * time.Second, Factor: 2}

// call makes one probe call, retrying denials within the window (IAM propagation) and logging each call.
func (a *accessTest) call(ctx context.Context, action, resource string, fn func() error) error {
	start := time.Now()
	b := accessBackoff
	b.Sleep = a.sleep
	var denied error
	err := wait.Poll(ctx, b, func(attempt int, next time.Duration) (bool, error) {
		err := fn()
		fields := map[string]any{"action": action, "resource": resource, "access_key_id": a.key.ID, "attempt": attempt}
		if err != nil {
			fields["error"] = err.Error()
		}
		tflog.Debug(ctx, "Access self-test call", fields)
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, ErrAccessDenied):
			return false, stepErr("access self-test: "+action+" on", resource, err)
		}
		denied = &AccessDeniedError{Check: a.check, KeyID: a.key.ID, Action: action, Resource: resource, Err: err}
		waited := time.Since(start)
		if waited+next > a.window {
			return false, denied
		}
		tflog.Info(ctx, "Access self-test denied; retrying while IAM propagates the new key", map[string]any{
			"action": action, "resource": resource, "access_key_id": a.key.ID, "attempt": attempt,
			"waited": waited.Round(time.Millisecond).String(), "window": a.window.String(),
		})
		return false, nil
	})
	if denied != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// The operation's timeout ended the wait: the denial is still the reason.
		return denied
	}
	return err
}

func quoteOrRoot(prefix string) string {
	if prefix == "" {
		return "the whole bucket"
	}
	return fmt.Sprintf("%q", prefix)
}

// verifyAccess runs the self-test with the new key when spec asks for it, before ICA gets the key. A
// failed test deletes the new key: ICA and the state keep the old one (at rotation), and a create
// stops before any ICA object exists.
func (r *run) verifyAccess(ctx context.Context, key NewAccessKey) error {
	spec, c := r.spec, r.c
	if !spec.VerifyAccess || c.d.Access == nil {
		return nil
	}
	a := &accessTest{
		tester: c.d.Access, cleaner: c.d.ProbeCleaner, sleep: c.d.Sleep, window: c.d.AccessRetryWindow, key: key,
		check: AccessCheck{
			UserName: spec.UserName, Region: r.o.region, Bucket: spec.Bucket, Prefix: spec.Prefix, KMSKeyARN: spec.KMSKeyARN,
			Versioned: r.o.versioned,
			// A connection that exists already has a live folder: ICA's event notifications would see a probe.
			Rotation: r.prior.CredentialID != "",
		},
	}
	warnings, err := a.run(ctx)
	if len(warnings) > 0 {
		r.update(func(st *State) { st.Warnings = append(st.Warnings, warnings...) })
	}
	if err == nil {
		return nil
	}
	if derr := c.d.IAM.DeleteAccessKey(context.WithoutCancel(ctx), spec.UserName, key.ID); derr != nil && !errors.Is(derr, ErrNotFound) {
		return errors.Join(err, stepErr("deleting the new access key "+key.ID+" (it failed the access self-test) of IAM user", quote(spec.UserName), derr))
	}
	return err
}

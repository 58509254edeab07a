package connection

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// Ownership tags the provider puts on the IAM user and policy it creates. A leftover user or policy of
// an interrupted create is adopted only when it carries them (and names the same bucket).
const (
	TagManagedBy   = "ica-tf:managed-by"
	ManagedByValue = "terraform-provider-ica"
	TagBucket      = "ica-tf:bucket"
	// TagIAMUser, on the policy only, names the connection's IAM user: a policy is adopted only by the
	// connection it was made for, never by another connection that derives the same policy name.
	TagIAMUser = "ica-tf:iam-user"
	// TagCredential names the connection's ICA credential (unique in a tenant): a user is adopted only by
	// the connection it was made for, never by another connection configured with the same iam_user_name.
	TagCredential = "ica-tf:credential" //nolint:gosec // G101: a tag key, not a credential
	// ReservedTagPrefix may not be used by user-supplied tags.
	ReservedTagPrefix = "ica-tf:"
	// maxPolicyVersions is AWS's limit of stored versions per managed policy.
	maxPolicyVersions = 5
)

// DefaultCORSRuleID is the ID of the CORS rule a connection creates: derived from the IAM user name,
// which is unique per connection, so a re-run after an interrupted create finds its own rule.
func DefaultCORSRuleID(iamUserName string) string { return "ica-tf-" + iamUserName }

// Spec is the desired connection, from configuration. Prefix is normalised ("folder/" or "").
type Spec struct {
	Bucket    string
	Prefix    string
	KMSKeyARN string
	// RequiredRegion is the AWS region of the configured ica_region ("" when not set), named in errors
	// as ICARegionName.
	RequiredRegion string
	ICARegionName  string

	UserName       string
	PolicyName     string
	Path           string
	CredentialName string

	ManageCORS  bool
	CORSOrigins []string
	// CORSRuleID is our rule's ID; "" means an ID-less rule with our content (adopted on import).
	CORSRuleID string

	Share  bool
	Tags   map[string]string
	Rotate bool
}

// State is what exists, as recorded after the last operation. Empty strings mean "does not exist (or
// not known to exist)".
type State struct {
	Region string

	CORSRuleID string
	// CORSRule is true when our rule is on the bucket with the desired content.
	CORSRule bool

	UserARN string

	PolicyARN       string
	PolicyAttached  bool
	PolicyJSON      string
	PolicyVersionID string

	AccessKeyID  string
	CredentialID string
	Shared       bool

	// Tags are the user-supplied tags last applied (ownership tags are not included).
	Tags map[string]string

	// Adopted describes existing objects this apply took over (a credential of the same name, a user or
	// policy left by an interrupted run), for the caller to warn about. Not persisted.
	Adopted []string
}

// StepError names the step of a connection that failed and the object it worked on.
type StepError struct {
	Step   string
	Object string
	Err    error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Step, e.Object, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

func stepErr(step, object string, err error) error {
	if err == nil {
		return nil
	}
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	return &StepError{Step: step, Object: object, Err: err}
}

// Deps are the converger's collaborators.
type Deps struct {
	S3          S3
	IAM         IAM
	Prober      KeyProber
	Credentials Credentials
	// Sleep waits between key probes; nil uses a timer honouring ctx. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Converger is shared by every connection of one provider process (it holds the per-bucket cache, the
// per-bucket CORS locks and the ICA credential directory).
type Converger struct {
	d       Deps
	buckets *bucketCache
	creds   *credentialDirectory

	accountOnce sync.Mutex
	accountID   string
}

func New(d Deps) *Converger {
	if d.Sleep == nil {
		d.Sleep = func(ctx context.Context, dur time.Duration) error {
			t := time.NewTimer(dur)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
				return nil
			}
		}
	}
	return &Converger{d: d, buckets: newBucketCache(d.S3), creds: &credentialDirectory{ica: d.Credentials}}
}

// BucketRegion returns the bucket's region from the shared cache (plan-time checks use it).
func (c *Converger) BucketRegion(ctx context.Context, bucket string) (string, error) {
	return c.buckets.Region(ctx, bucket)
}

// DesiredPolicy is the policy document spec needs, using the shared versioning read.
func (c *Converger) DesiredPolicy(ctx context.Context, spec Spec) (string, error) {
	v, err := c.buckets.Versioned(ctx, spec.Bucket)
	if err != nil {
		return "", stepErr("reading versioning of bucket", quote(spec.Bucket), err)
	}
	return policy.Build(policy.Options{Bucket: spec.Bucket, Prefix: spec.Prefix, KMSKeyARN: spec.KMSKeyARN, Versioned: v}).JSON(), nil
}

// CheckRegions verifies the bucket's region against ica_region and the KMS key's region, returning the
// bucket's region. Errors name both regions and the fix.
func (c *Converger) CheckRegions(ctx context.Context, spec Spec) (string, error) {
	region, err := c.buckets.Region(ctx, spec.Bucket)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("S3 bucket %q does not exist (or is not visible to these AWS credentials): create it first, or fix the bucket name", spec.Bucket)
		}
		return "", stepErr("finding the region of bucket", quote(spec.Bucket), err)
	}
	if spec.RequiredRegion != "" && region != spec.RequiredRegion {
		return region, fmt.Errorf("bucket %q is in %s but ICA region %q needs %s: create the bucket in %s or choose the ica_region that matches %s",
			spec.Bucket, region, spec.ICARegionName, spec.RequiredRegion, spec.RequiredRegion, region)
	}
	if spec.KMSKeyARN != "" {
		if err := CheckKMSKeyARN(spec.KMSKeyARN, region); err != nil {
			return region, err
		}
	}
	return region, nil
}

// CheckKMSKeyARN verifies that arn is a KMS key (or alias) ARN; with region set, that it is in region.
func CheckKMSKeyARN(arn, region string) error {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" || parts[3] == "" || parts[4] == "" ||
		!(strings.HasPrefix(parts[5], "key/") || strings.HasPrefix(parts[5], "alias/")) {
		return fmt.Errorf("kms_key_arn %q is not a KMS key ARN: use the form arn:aws:kms:REGION:ACCOUNT:key/KEY_ID", arn)
	}
	if region != "" && parts[3] != region {
		return fmt.Errorf("KMS key %q is in %s but the bucket is in %s: SSE-KMS needs a key in the bucket's region; use a key in %s", arn, parts[3], region, region)
	}
	return nil
}

// observed is one reading of every part.
type observed struct {
	region    string
	bucketErr error
	versioned bool
	cors      []policy.CORSRule

	userKnown bool // prior had a user and we looked
	userFound bool
	keys      []AccessKey
	attached  []string
	// user is the IAM user as GetUser returned it (its tags): read by refresh only, so that tags
	// changed outside Terraform show as drift. Nil when not read or not found.
	user *User

	policyFound     bool
	policyDoc       string
	policyVersionID string

	// userTagsUnread: the user's tags were not read (Apply's user is the one in state, its tags are not
	// changing and no other key needs its owner checked).
	userTagsUnread bool

	cred *ica.StorageCredential
}

// observe reads every part of the connection at most once, in parallel. Bucket reads come from the
// shared cache; the ICA credential comes from the shared list. With trustPolicy (Apply), a policy that
// prior records as attached at a known default version with a known document is taken from prior
// instead of read again: prior is the state the plan's refresh has just verified, and a refresh that
// found it edited, detached or gone would have recorded that (then everything is read).
func (c *Converger) observe(ctx context.Context, spec Spec, prior State, withCORS, trustPolicy bool) (*observed, error) {
	o := &observed{}
	policyTrusted := trustPolicy && prior.UserARN != "" && prior.PolicyARN != "" && prior.PolicyAttached &&
		prior.PolicyVersionID != "" && prior.PolicyJSON != ""
	if policyTrusted {
		o.policyFound, o.policyDoc, o.policyVersionID = true, prior.PolicyJSON, prior.PolicyVersionID
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		r, err := c.buckets.Region(gctx, spec.Bucket)
		if errors.Is(err, ErrNotFound) {
			o.bucketErr = err
			return nil
		}
		if err != nil {
			return stepErr("finding the region of bucket", quote(spec.Bucket), err)
		}
		o.region = r
		v, err := c.buckets.Versioned(gctx, spec.Bucket)
		if err != nil {
			return stepErr("reading versioning of bucket", quote(spec.Bucket), err)
		}
		o.versioned = v
		if withCORS {
			rules, err := c.buckets.CORS(gctx, spec.Bucket)
			if err != nil {
				return stepErr("reading CORS configuration of bucket", quote(spec.Bucket), err)
			}
			o.cors = rules
		}
		return nil
	})
	if prior.UserARN != "" || prior.AccessKeyID != "" {
		o.userKnown = true
		if !trustPolicy {
			// Refresh: the user's tags, for tag drift (Apply trusts the refreshed prior instead).
			g.Go(func() error {
				u, err := c.d.IAM.GetUser(gctx, spec.UserName)
				if errors.Is(err, ErrNotFound) {
					return nil
				}
				if err != nil {
					return stepErr("reading IAM user", quote(spec.UserName), err)
				}
				o.user = &u
				return nil
			})
		}
		g.Go(func() error {
			keys, err := c.d.IAM.ListAccessKeys(gctx, spec.UserName)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return stepErr("listing access keys of IAM user", quote(spec.UserName), err)
			}
			o.keys = keys
			if policyTrusted {
				// ListAccessKeys has just proved the user exists.
				o.userFound, o.attached = true, []string{prior.PolicyARN}
				return nil
			}
			attached, err := c.d.IAM.ListAttachedUserPolicies(gctx, spec.UserName)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return stepErr("listing policies attached to IAM user", quote(spec.UserName), err)
			}
			o.userFound = true
			o.attached = attached
			return nil
		})
	}
	if prior.PolicyARN != "" && !policyTrusted {
		g.Go(func() error {
			found, doc, version, err := c.readPolicy(gctx, prior.PolicyARN, prior.PolicyVersionID)
			if err != nil {
				return err
			}
			o.policyFound, o.policyDoc, o.policyVersionID = found, doc, version
			return nil
		})
	}
	g.Go(func() error {
		var cred *ica.StorageCredential
		var err error
		if prior.CredentialID != "" {
			cred, err = c.creds.ByID(gctx, prior.CredentialID)
		} else if spec.CredentialName != "" {
			cred, err = c.creds.ByName(gctx, spec.CredentialName)
		}
		if err != nil {
			return stepErr("listing ICA storage credentials for", quote(spec.CredentialName), err)
		}
		o.cred = cred
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return o, nil
}

// readPolicy reads the default version's document. The version recorded last time is tried first: while
// it is still the default, one call answers (an out-of-band edit makes a new default version).
func (c *Converger) readPolicy(ctx context.Context, arn, knownVersion string) (bool, string, string, error) {
	if knownVersion != "" {
		v, err := c.d.IAM.GetPolicyVersion(ctx, arn, knownVersion)
		if err == nil && v.IsDefault {
			return true, v.Document, v.ID, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return false, "", "", stepErr("reading IAM policy", quote(arn), err)
		}
	}
	p, err := c.d.IAM.GetPolicy(ctx, arn)
	if errors.Is(err, ErrNotFound) {
		return false, "", "", nil
	}
	if err != nil {
		return false, "", "", stepErr("reading IAM policy", quote(arn), err)
	}
	v, err := c.d.IAM.GetPolicyVersion(ctx, arn, p.DefaultVersionID)
	if err != nil {
		return false, "", "", stepErr("reading IAM policy", quote(arn), err)
	}
	return true, v.Document, v.ID, nil
}

// Read refreshes prior: parts that are gone or drifted are cleared (so the plan shows them as changes)
// and the observed policy document replaces the recorded one unless they mean the same.
//
// Cost of a no-change refresh: one read per IAM part per connection (GetUser for the tags,
// ListAccessKeys, ListAttachedUserPolicies, GetPolicyVersion of the recorded version), all in parallel;
// region, versioning and CORS once per bucket and the ICA credential list once per provider process
// (shared).
func (c *Converger) Read(ctx context.Context, spec Spec, prior State) (State, error) {
	o, err := c.observe(ctx, spec, prior, spec.ManageCORS && claimsCORS(prior), false)
	if err != nil {
		return prior, err
	}
	st := prior
	st.Tags = prior.Tags
	if o.bucketErr == nil {
		st.Region = o.region
	}
	st.CORSRule = false
	// A rule with our ID is ours only for a connection that exists (its rule or its user recorded): a create
	// refused before its user step never wrote one, and the rule with that ID is another connection's.
	if spec.ManageCORS && o.bucketErr == nil && claimsCORS(prior) {
		want := policy.ICARule(spec.CORSRuleID, spec.CORSOrigins)
		if i := policy.FindCORS(o.cors, want); i >= 0 && policy.SameContent(o.cors[i], want) {
			st.CORSRule, st.CORSRuleID = true, spec.CORSRuleID
		}
	}
	if o.userKnown && !o.userFound {
		st.UserARN, st.AccessKeyID, st.PolicyAttached = "", "", false
	}
	if o.userFound && o.user != nil {
		// Tags set outside Terraform are drift; the reserved ownership tags are the provider's own.
		st.Tags = userTags(o.user.Tags)
		if k := findKey(o.keys, prior.AccessKeyID); k == nil || !k.Active {
			st.AccessKeyID = ""
		} else if hasOtherActiveKey(o.keys, prior.AccessKeyID) && isOurs(o.user.Tags, spec.Bucket) {
			// A leftover of an interrupted rotation on our user: the next apply finishes it.
			st.AccessKeyID = ""
		}
		st.PolicyAttached = prior.PolicyARN != "" && contains(o.attached, prior.PolicyARN)
	} else if o.userKnown {
		// Deleted between the two reads (or the key list saw it and GetUser did not): treat as gone.
		st.UserARN, st.AccessKeyID, st.PolicyAttached = "", "", false
	}
	if prior.PolicyARN != "" {
		if !o.policyFound {
			st.PolicyARN, st.PolicyJSON, st.PolicyVersionID, st.PolicyAttached = "", "", "", false
		} else {
			st.PolicyVersionID = o.policyVersionID
			if eq, err := policy.Equivalent(o.policyDoc, prior.PolicyJSON); err != nil || !eq {
				st.PolicyJSON = displayPolicy(o.policyDoc)
			}
		}
	}
	if prior.CredentialID != "" && o.cred == nil {
		st.CredentialID = ""
	}
	return st, nil
}

func displayPolicy(doc string) string {
	if d, err := policy.Decode(doc); err == nil {
		return d
	}
	return doc
}

// Apply converges the connection to spec from prior and returns what exists. On error the returned
// State records every part that was created or changed before the failure.
func (c *Converger) Apply(ctx context.Context, spec Spec, prior State) (State, error) {
	st := prior
	if creatingCORS(spec, prior) {
		// Warm the shared cache with the bucket's CORS now, beside the other reads: the first CORS write
		// waits for the user step (below) and then needs no read of its own. The same single read either
		// way (singleflight); a failure here is retried by the write's own read.
		go func() { _, _ = c.buckets.CORS(ctx, spec.Bucket) }()
	}
	o, err := c.observe(ctx, spec, prior, false, true)
	if err != nil {
		return st, err
	}
	if o.bucketErr != nil {
		return st, fmt.Errorf("S3 bucket %q does not exist (or is not visible to these AWS credentials): create it first, or fix the bucket name", spec.Bucket)
	}
	region, err := c.CheckRegions(ctx, spec)
	if err != nil {
		return st, err
	}
	st.Region = region
	desiredPolicy := policy.Build(policy.Options{Bucket: spec.Bucket, Prefix: spec.Prefix, KMSKeyARN: spec.KMSKeyARN, Versioned: o.versioned}).JSON()

	// The user's current state decides the key plan; refuse before changing anything.
	var user *User
	if o.userFound && prior.UserARN != "" && equalTags(prior.Tags, spec.Tags) && !hasOtherKey(o.keys, prior.AccessKeyID) {
		// The user in state is ours, its tags are not changing and no other key needs its owner
		// checked: its tags need not be read (only a retried key create asks, see applyKeys).
		user = &User{Name: spec.UserName, Path: spec.Path, ARN: prior.UserARN}
		o.userTagsUnread = true
	} else if o.userFound {
		u, err := c.d.IAM.GetUser(ctx, spec.UserName)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return st, stepErr("reading IAM user", quote(spec.UserName), err)
		}
		if err == nil {
			user = &u
		}
	}
	credAdopted := prior.CredentialID == "" && o.cred != nil
	credNeedsSecret := o.cred == nil || credAdopted
	if credAdopted {
		st.Adopted = append(st.Adopted, fmt.Sprintf("ICA storage credential %q (%s) already existed: it was adopted and now holds the new access key", o.cred.Name, o.cred.ID))
	}
	var kp keyPlan
	if user != nil {
		kp, err = planKeys(spec.UserName, o.keys, prior.AccessKeyID, spec.Rotate || credNeedsSecret, isOurs(user.Tags, spec.Bucket))
		if err != nil {
			return st, err
		}
		kp.sweepIfOurs = o.userTagsUnread && kp.create
	}

	// A new connection claims the bucket's CORS rule only once its IAM user is known to be its own: a user
	// name shared with another connection also shares the rule ID derived from it, and the refused
	// connection must leave that rule alone. The IAM chain is the longer one, so the wait costs no time.
	var userReady chan bool
	if creatingCORS(spec, prior) {
		userReady = make(chan bool, 1)
	}
	var corsErr, iamErr error
	var corsState State
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		corsState, corsErr = c.applyCORS(ctx, spec, prior, userReady)
	}()
	iamErr = c.applyIAM(ctx, spec, prior, o, user, kp, credNeedsSecret, desiredPolicy, &st, userReady)
	wg.Wait()
	st.CORSRule, st.CORSRuleID = corsState.CORSRule, corsState.CORSRuleID
	return st, errors.Join(corsErr, iamErr)
}

func (c *Converger) applyCORS(ctx context.Context, spec Spec, prior State, userReady <-chan bool) (State, error) {
	var st State
	if userReady != nil {
		select {
		case ok := <-userReady:
			if !ok {
				return st, nil // the IAM chain reports why
			}
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
	want := policy.ICARule(spec.CORSRuleID, spec.CORSOrigins)
	if !spec.ManageCORS {
		// Remove the rule we put there before (found by its recorded ID, or the adopted ID-less rule).
		old := policy.ICARule(prior.CORSRuleID, spec.CORSOrigins)
		if prior.CORSRuleID == "" && !prior.CORSRule {
			return st, nil
		}
		_, _, err := c.buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
			return policy.RemoveCORS(rules, old)
		})
		return st, stepErr("removing our CORS rule from bucket", quote(spec.Bucket), err)
	}
	if prior.CORSRuleID != "" && prior.CORSRuleID != spec.CORSRuleID {
		// The rule ID changed (an adopted rule gets a generated ID): drop the old one first.
		old := policy.ICARule(prior.CORSRuleID, spec.CORSOrigins)
		if _, _, err := c.buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
			return policy.RemoveCORS(rules, old)
		}); err != nil {
			return st, stepErr("removing our old CORS rule from bucket", quote(spec.Bucket), err)
		}
	}
	rules, _, err := c.buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
		return policy.PutCORS(rules, want)
	})
	if err != nil {
		return st, stepErr("writing our CORS rule to bucket", quote(spec.Bucket), err)
	}
	if i := policy.FindCORS(rules, want); i < 0 || !policy.SameContent(rules[i], want) {
		return st, stepErr("writing our CORS rule to bucket", quote(spec.Bucket),
			errors.New("the rule is missing when the configuration is read back: another tool rewrote the bucket's CORS configuration at the same time; apply again"))
	}
	st.CORSRule, st.CORSRuleID = true, spec.CORSRuleID
	return st, nil
}

func (c *Converger) applyIAM(ctx context.Context, spec Spec, prior State, o *observed, user *User, kp keyPlan,
	credNeedsSecret bool, desiredPolicy string, st *State, userReady chan<- bool) error {
	// userReady (when not nil) learns whether the user is this connection's, as soon as that is known.
	userKnown := func(ok bool) {
		if userReady != nil {
			select {
			case userReady <- ok:
			default: // already told
			}
		}
	}
	defer userKnown(false)
	// Policy and user do not depend on each other.
	var policyErr, userErr error
	var freshUser bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		policyErr = c.ensurePolicy(ctx, spec, prior, o, desiredPolicy, st)
	}()
	var u User
	if o.userTagsUnread {
		u = *user
	} else {
		u, freshUser, userErr = c.ensureUser(ctx, spec, prior, user)
	}
	userKnown(userErr == nil)
	wg.Wait()
	if userErr == nil {
		st.UserARN = u.ARN
		st.Tags = copyTags(spec.Tags)
		if user == nil && !freshUser {
			st.Adopted = append(st.Adopted, fmt.Sprintf("IAM user %q was left by an interrupted run of this provider and was adopted", spec.UserName))
		}
	} else if user == nil {
		st.UserARN, st.AccessKeyID = "", ""
	}
	if err := errors.Join(userErr, policyErr); err != nil {
		return err
	}

	if freshUser || !contains(o.attached, st.PolicyARN) || !o.userFound {
		if err := c.d.IAM.AttachUserPolicy(ctx, spec.UserName, st.PolicyARN); err != nil {
			return stepErr("attaching policy "+quote(st.PolicyARN)+" to IAM user", quote(spec.UserName), err)
		}
	}
	st.PolicyAttached = true

	if user == nil {
		// New or adopted user: every existing key is a leftover of an interrupted run of ours (a user
		// created just now has none: no need to ask).
		var keys []AccessKey
		var err error
		if !freshUser {
			if keys, err = c.d.IAM.ListAccessKeys(ctx, spec.UserName); err != nil {
				return stepErr("listing access keys of IAM user", quote(spec.UserName), err)
			}
		}
		if kp, err = planKeys(spec.UserName, keys, prior.AccessKeyID, true, true); err != nil {
			return err
		}
		if !freshUser && prior.AccessKeyID != "" && findKey(keys, prior.AccessKeyID) == nil {
			st.AccessKeyID = ""
		}
	}
	return c.applyKeys(ctx, spec, o, kp, credNeedsSecret, st)
}

func (c *Converger) applyKeys(ctx context.Context, spec Spec, o *observed, kp keyPlan, credNeedsSecret bool, st *State) error {
	cred := o.cred
	if cred != nil {
		st.CredentialID = cred.ID
	}
	if !kp.create {
		if cred == nil {
			// Unreachable: a missing credential always asks for a new key.
			return errors.New("internal error: no new access key for a missing ICA credential")
		}
		return c.share(ctx, spec, st)
	}
	for _, id := range kp.deleteFirst {
		if err := c.d.IAM.DeleteAccessKey(ctx, spec.UserName, id); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting access key "+id+" of IAM user", quote(spec.UserName), err)
		}
		if id == st.AccessKeyID {
			st.AccessKeyID = ""
		}
	}
	key, err := c.d.IAM.CreateAccessKey(ctx, spec.UserName)
	if err != nil {
		return stepErr("creating an access key for IAM user", quote(spec.UserName), err)
	}
	if err := c.waitForKey(ctx, spec.UserName, key); err != nil {
		return err
	}
	secret := ica.AWSCredentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}
	if cred != nil {
		if err := c.d.Credentials.UpdateStorageCredentialSecrets(ctx, cred.ID, secret); err != nil {
			return stepErr("sending the new access key to ICA storage credential", quote(cred.Name), err)
		}
	} else {
		created, err := c.createCredential(ctx, spec, secret)
		if err != nil {
			return err
		}
		st.CredentialID = created.ID
		st.Shared = false
	}
	// ICA holds the new key from here on: record it before removing the old ones.
	st.AccessKeyID = key.ID
	for _, id := range kp.deleteAfter {
		if err := c.d.IAM.DeleteAccessKey(ctx, spec.UserName, id); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting old access key "+id+" of IAM user", quote(spec.UserName), err)
		}
	}
	if kp.sweepIfOurs && key.Retried {
		u, err := c.d.IAM.GetUser(ctx, spec.UserName)
		if err != nil {
			return stepErr("reading IAM user", quote(spec.UserName), err)
		}
		kp.sweep = isOurs(u.Tags, spec.Bucket)
	}
	if kp.sweep && key.Retried {
		if err := c.sweepKeys(ctx, spec.UserName, key.ID); err != nil {
			return err
		}
	}
	return c.share(ctx, spec, st)
}

// sweepKeys deletes every key of our user except keep: a CreateAccessKey whose answer was lost and that
// the SDK retried leaves a key nobody knows the secret of.
func (c *Converger) sweepKeys(ctx context.Context, user, keep string) error {
	keys, err := c.d.IAM.ListAccessKeys(ctx, user)
	if err != nil {
		return stepErr("listing access keys of IAM user", quote(user), err)
	}
	for _, k := range keys {
		if k.ID == keep {
			continue
		}
		if err := c.d.IAM.DeleteAccessKey(ctx, user, k.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting leftover access key "+k.ID+" of IAM user", quote(user), err)
		}
	}
	return nil
}

func (c *Converger) createCredential(ctx context.Context, spec Spec, secret ica.AWSCredentials) (*ica.StorageCredential, error) {
	created, err := c.d.Credentials.CreateStorageCredential(ctx, ica.CreateStorageCredential{
		Name: spec.CredentialName, Type: ica.CredentialTypeAWSUser, AWSCredentials: &secret,
	})
	if err == nil {
		c.creds.added(*created)
		return created, nil
	}
	if !ica.IsConflict(err) {
		return nil, stepErr("creating ICA storage credential", quote(spec.CredentialName), err)
	}
	// Someone created it since we listed: adopt it by name, as the contract says.
	c.creds.forget()
	existing, lerr := c.creds.ByName(ctx, spec.CredentialName)
	if lerr != nil || existing == nil {
		return nil, stepErr("creating ICA storage credential", quote(spec.CredentialName), err)
	}
	if err := c.d.Credentials.UpdateStorageCredentialSecrets(ctx, existing.ID, secret); err != nil {
		return nil, stepErr("sending the new access key to ICA storage credential", quote(spec.CredentialName), err)
	}
	return existing, nil
}

func (c *Converger) share(ctx context.Context, spec Spec, st *State) error {
	if !spec.Share || st.Shared {
		return nil
	}
	if err := c.d.Credentials.ShareStorageCredential(ctx, st.CredentialID); err != nil {
		return stepErr("sharing ICA storage credential", quote(spec.CredentialName), err)
	}
	st.Shared = true
	return nil
}

// waitForKey polls a cheap call signed with the new key until it works: IAM is eventually consistent
// and has no API that says when a key is live. Bounded by ctx (the operation's timeout).
func (c *Converger) waitForKey(ctx context.Context, user string, key NewAccessKey) error {
	delay := 250 * time.Millisecond
	start := time.Now()
	for attempt := 1; ; attempt++ {
		err := c.d.Prober.ProbeKey(ctx, key.ID, key.Secret)
		if err == nil {
			if attempt > 1 {
				tflog.Info(ctx, "New access key works", map[string]any{
					"iam_user": user, "access_key_id": key.ID, "attempts": attempt, "waited": time.Since(start).Round(time.Millisecond).String(),
				})
			}
			return nil
		}
		if errors.Is(err, ErrNoAnswer) {
			return stepErr("waiting for new access key "+key.ID+" of IAM user", quote(user), err)
		}
		// IAM is eventually consistent: a new key can take seconds to work. Say so while waiting.
		tflog.Info(ctx, "Waiting for the new access key to work (AWS IAM is eventually consistent)", map[string]any{
			"iam_user": user, "access_key_id": key.ID, "attempt": attempt, "next_check_in": delay.String(),
			"waited": time.Since(start).Round(time.Millisecond).String(), "last_error": err.Error(),
		})
		if serr := c.d.Sleep(ctx, delay); serr != nil {
			return stepErr("waiting for new access key "+key.ID+" of IAM user", quote(user),
				fmt.Errorf("the key did not start working before the timeout (last error: %v); raise timeouts or apply again (the key is recorded and will be reused or replaced)", err))
		}
		if delay *= 2; delay > 5*time.Second {
			delay = 5 * time.Second
		}
	}
}

func (c *Converger) ensurePolicy(ctx context.Context, spec Spec, prior State, o *observed, desired string, st *State) error {
	tags := ownershipTags(spec)
	tags[TagIAMUser] = spec.UserName
	for k, v := range spec.Tags {
		tags[k] = v
	}
	if prior.PolicyARN != "" && o.policyFound {
		st.PolicyARN = prior.PolicyARN
		if eq, err := policy.Equivalent(o.policyDoc, desired); err != nil || !eq {
			v, err := c.newPolicyVersion(ctx, prior.PolicyARN, desired)
			if err != nil {
				return err
			}
			st.PolicyVersionID = v
		} else {
			st.PolicyVersionID = o.policyVersionID
		}
		st.PolicyJSON = desired
		if !equalTags(prior.Tags, spec.Tags) {
			if err := c.d.IAM.TagPolicy(ctx, prior.PolicyARN, tags); err != nil {
				return stepErr("tagging IAM policy", quote(prior.PolicyARN), err)
			}
			if removed := removedKeys(prior.Tags, spec.Tags); len(removed) > 0 {
				if err := c.d.IAM.UntagPolicy(ctx, prior.PolicyARN, removed); err != nil {
					return stepErr("untagging IAM policy", quote(prior.PolicyARN), err)
				}
			}
		}
		return nil
	}
	p, err := c.d.IAM.CreatePolicy(ctx, spec.PolicyName, spec.Path, desired, tags)
	if errors.Is(err, ErrAlreadyExists) {
		p, err = c.adoptPolicy(ctx, spec, desired)
		if err != nil {
			return err
		}
		// Only this goroutine appends while the user chain runs; applyIAM appends after both finish.
		st.Adopted = append(st.Adopted, fmt.Sprintf("IAM policy %q was left by an interrupted run of this provider and was adopted", p.ARN))
	} else if err != nil {
		return stepErr("creating IAM policy", quote(spec.PolicyName), err)
	}
	st.PolicyARN, st.PolicyJSON, st.PolicyVersionID = p.ARN, desired, p.DefaultVersionID
	return nil
}

// adoptPolicy takes over a policy of ours left by an interrupted create, bringing its document up to
// date. A policy without our ownership tags is someone else's: refuse.
func (c *Converger) adoptPolicy(ctx context.Context, spec Spec, desired string) (Policy, error) {
	account, err := c.account(ctx)
	if err != nil {
		return Policy{}, stepErr("reading the AWS account id for IAM policy", quote(spec.PolicyName), err)
	}
	arn := policyARN(account, spec)
	p, err := c.d.IAM.GetPolicy(ctx, arn)
	if err != nil {
		return Policy{}, stepErr("reading existing IAM policy", quote(arn), err)
	}
	if err := policyNotAdoptable(p, arn, spec); err != nil {
		return Policy{}, err
	}
	// A leftover of an interrupted run is attached to nothing, or to this connection's own user. Attached
	// elsewhere (by hand, or by an older connection without the user tag), sharing it would let one
	// connection change or delete another's permissions.
	if p.AttachmentCount > 0 {
		attached, err := c.d.IAM.ListAttachedUserPolicies(ctx, spec.UserName)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Policy{}, stepErr("listing policies attached to IAM user", quote(spec.UserName), err)
		}
		own := 0
		if contains(attached, arn) {
			own = 1
		}
		if p.AttachmentCount > own {
			return Policy{}, anotherConnectionsPolicy(arn, spec.Bucket, "it is attached to another IAM user")
		}
	}
	found, doc, version, err := c.readPolicy(ctx, arn, p.DefaultVersionID)
	if err != nil {
		return Policy{}, err
	}
	p.DefaultVersionID = version
	if eq, _ := policy.Equivalent(doc, desired); found && !eq {
		v, err := c.newPolicyVersion(ctx, arn, desired)
		if err != nil {
			return Policy{}, err
		}
		p.DefaultVersionID = v
	}
	return p, nil
}

// newPolicyVersion makes desired the default version, first deleting the oldest non-default versions
// so AWS's limit of five versions is never hit.
func (c *Converger) newPolicyVersion(ctx context.Context, arn, desired string) (string, error) {
	versions, err := c.d.IAM.ListPolicyVersions(ctx, arn)
	if err != nil {
		return "", stepErr("listing versions of IAM policy", quote(arn), err)
	}
	var old []PolicyVersion
	for _, v := range versions {
		if !v.IsDefault {
			old = append(old, v)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Created.Before(old[j].Created) })
	for n := len(versions); n >= maxPolicyVersions && len(old) > 0; n-- {
		if err := c.d.IAM.DeletePolicyVersion(ctx, arn, old[0].ID); err != nil && !errors.Is(err, ErrNotFound) {
			return "", stepErr("deleting old version "+old[0].ID+" of IAM policy", quote(arn), err)
		}
		old = old[1:]
	}
	v, err := c.d.IAM.CreatePolicyVersion(ctx, arn, desired)
	if err != nil {
		return "", stepErr("updating the document of IAM policy", quote(arn), err)
	}
	return v.ID, nil
}

// ensureUser returns the user, creating it (or adopting a leftover of ours) when missing, and brings its
// tags up to date. fresh is true when it was created now.
func (c *Converger) ensureUser(ctx context.Context, spec Spec, prior State, existing *User) (User, bool, error) {
	if existing != nil {
		want := copyTags(spec.Tags)
		if isOurs(existing.Tags, spec.Bucket) {
			for k, v := range ownershipTags(spec) {
				want[k] = v
			}
		}
		changed := map[string]string{}
		for k, v := range want {
			if cur, ok := existing.Tags[k]; !ok || cur != v {
				changed[k] = v
			}
		}
		if len(changed) > 0 {
			if err := c.d.IAM.TagUser(ctx, spec.UserName, changed); err != nil {
				return *existing, false, stepErr("tagging IAM user", quote(spec.UserName), err)
			}
		}
		var removed []string
		for _, k := range removedKeys(prior.Tags, spec.Tags) {
			if _, ok := existing.Tags[k]; ok {
				removed = append(removed, k)
			}
		}
		if len(removed) > 0 {
			if err := c.d.IAM.UntagUser(ctx, spec.UserName, removed); err != nil {
				return *existing, false, stepErr("untagging IAM user", quote(spec.UserName), err)
			}
		}
		return *existing, false, nil
	}
	tags := ownershipTags(spec)
	for k, v := range spec.Tags {
		tags[k] = v
	}
	u, err := c.d.IAM.CreateUser(ctx, spec.UserName, spec.Path, tags)
	if err == nil {
		return u, true, nil
	}
	if !errors.Is(err, ErrAlreadyExists) {
		return User{}, false, stepErr("creating IAM user", quote(spec.UserName), err)
	}
	u, gerr := c.d.IAM.GetUser(ctx, spec.UserName)
	if gerr != nil {
		return User{}, false, stepErr("reading existing IAM user", quote(spec.UserName), gerr)
	}
	if prior.UserARN == "" {
		if err := userNotAdoptable(u, spec); err != nil {
			return User{}, false, err
		}
	}
	return u, false, nil
}

func (c *Converger) account(ctx context.Context) (string, error) {
	c.accountOnce.Lock()
	defer c.accountOnce.Unlock()
	if c.accountID != "" {
		return c.accountID, nil
	}
	id, err := c.d.IAM.AccountID(ctx)
	if err != nil {
		return "", err
	}
	c.accountID = id
	return id, nil
}

// userTags are a user's tags without the reserved ownership tags: the ones the configuration manages.
func userTags(tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		if !strings.HasPrefix(k, ReservedTagPrefix) {
			out[k] = v
		}
	}
	return out
}

// userNotAdoptable says why an existing user with the connection's name may not be adopted: it was not made
// by this provider for this bucket, or it was made for another connection. Nil for a leftover of this one.
func userNotAdoptable(u User, spec Spec) error {
	if !isOurs(u.Tags, spec.Bucket) {
		return fmt.Errorf("IAM user %q already exists and was not created by this provider for bucket %q: import the connection (terraform import ica_s3_connection.NAME %s:%s:CREDENTIAL) or choose another iam_user_name",
			spec.UserName, spec.Bucket, spec.Bucket, spec.UserName)
	}
	if u.Tags[TagCredential] != spec.CredentialName {
		return fmt.Errorf("IAM user %q already exists and belongs to another connection of bucket %q (the one with ICA credential %q). Give this connection its own iam_user_name: two connections cannot share an IAM user",
			spec.UserName, spec.Bucket, u.Tags[TagCredential])
	}
	return nil
}

// policyNotAdoptable is userNotAdoptable for the policy (by its tags; adoptPolicy also checks attachments).
func policyNotAdoptable(p Policy, arn string, spec Spec) error {
	if !isOurs(p.Tags, spec.Bucket) {
		return fmt.Errorf("IAM policy %q already exists and was not created by this provider for bucket %q: import the connection (terraform import) or choose another iam_policy_name", arn, spec.Bucket)
	}
	if owner := p.Tags[TagIAMUser]; owner != spec.UserName {
		return anotherConnectionsPolicy(arn, spec.Bucket, fmt.Sprintf("it was made for IAM user %q", owner))
	}
	return nil
}

func policyARN(account string, spec Spec) string {
	return fmt.Sprintf("arn:aws:iam::%s:policy%s%s", account, spec.Path, spec.PolicyName)
}

func anotherConnectionsPolicy(arn, bucket, why string) error {
	return fmt.Errorf("IAM policy %q already exists and belongs to another connection of bucket %q (%s). Give this connection its own iam_policy_name: two connections of the same bucket and folder need different names", arn, bucket, why)
}

// creatingCORS reports whether an apply will write this connection's CORS rule for the first time.
func creatingCORS(spec Spec, prior State) bool {
	return spec.ManageCORS && prior.UserARN == "" && !prior.CORSRule
}

// claimsCORS reports whether a connection in this state may own the bucket's rule with its ID.
func claimsCORS(prior State) bool {
	return prior.CORSRule || prior.UserARN != "" || prior.AccessKeyID != ""
}

func ownershipTags(spec Spec) map[string]string {
	return map[string]string{TagManagedBy: ManagedByValue, TagBucket: spec.Bucket, TagCredential: spec.CredentialName}
}

func isOurs(tags map[string]string, bucket string) bool {
	return tags[TagManagedBy] == ManagedByValue && tags[TagBucket] == bucket
}

func copyTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

func equalTags(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func removedKeys(prior, now map[string]string) []string {
	var out []string
	for k := range prior {
		if _, ok := now[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

package connection

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// Imported is what Import discovers about an existing connection.
type Imported struct {
	Spec  Spec
	State State
}

// Import discovers a connection from its bucket, IAM user and ICA credential (UUID or name): the
// bucket's region, our CORS rule (by the connection's rule ID, else the rule whose origins include the
// ICA origin), the attached policy that grants the bucket and the prefix it is scoped to, the user's
// single active key, and the credential.
func (c *Converger) Import(ctx context.Context, bucket, userName, credential string) (Imported, error) {
	var im Imported
	spec := &im.Spec
	st := &im.State
	spec.Bucket, spec.UserName = bucket, userName

	region, err := c.buckets.Region(ctx, bucket)
	if errors.Is(err, ErrNotFound) {
		return im, fmt.Errorf("S3 bucket %q does not exist (or is not visible to these AWS credentials)", bucket)
	}
	if err != nil {
		return im, stepErr("finding the region of bucket", quote(bucket), err)
	}
	st.Region = region

	user, err := c.d.IAM.GetUser(ctx, userName)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return im, fmt.Errorf("IAM user %q does not exist: check the import ID (BUCKET:IAM_USER_NAME:CREDENTIAL)", userName)
		}
		return im, stepErr("reading IAM user", quote(userName), err)
	}
	st.UserARN, spec.Path = user.ARN, user.Path
	// Importing a claimed connection says its state was lost: the import takes over that claim.
	st.Token = user.Tags[TagClaim]
	spec.Tags = userTags(user.Tags)
	st.Tags = maps.Clone(spec.Tags)

	if err := c.importPolicy(ctx, im.Spec.Bucket, userName, spec, st); err != nil {
		return im, err
	}

	keys, err := c.d.IAM.ListAccessKeys(ctx, userName)
	if err != nil {
		return im, stepErr("listing access keys of IAM user", quote(userName), err)
	}
	var active []string
	for _, k := range keys {
		if k.Active {
			active = append(active, k.ID)
		}
	}
	switch len(active) {
	case 0:
		// The next apply creates a key and hands it to ICA.
	case 1:
		st.AccessKeyID = active[0]
	default:
		return im, fmt.Errorf("IAM user %q has %d active access keys (%s) and ICA does not say which one it holds: deactivate the key ICA does not use (aws iam update-access-key --user-name %s --access-key-id KEY_ID --status Inactive) and import again",
			userName, len(active), strings.Join(active, ", "), userName)
	}

	cred, err := c.findCredential(ctx, credential)
	if err != nil {
		return im, err
	}
	st.CredentialID, spec.CredentialName = cred.ID, cred.Name

	rules, err := c.buckets.CORS(ctx, bucket)
	if err != nil {
		return im, stepErr("reading CORS configuration of bucket", quote(bucket), err)
	}
	spec.CORSRuleID = naming.DefaultCORSRuleID(userName)
	if i := findImportedRule(rules, spec.CORSRuleID); i >= 0 {
		r := rules[i]
		spec.ManageCORS = true
		spec.CORSRuleID, spec.CORSOrigins = r.ID, append([]string(nil), r.AllowedOrigins...)
		st.CORSRuleID = r.ID
		st.CORSRule = policy.SameContent(r, policy.ICARule(r.ID, r.AllowedOrigins))
	} else {
		spec.CORSOrigins = []string{policy.DefaultOrigin}
	}
	versioned, err := c.buckets.Versioned(ctx, bucket)
	if err != nil {
		return im, stepErr("reading versioning of bucket", quote(bucket), err)
	}
	if err := c.importBucketPolicy(ctx, spec, st, versioned); err != nil {
		return im, err
	}
	return im, nil
}

func (c *Converger) importPolicy(ctx context.Context, bucket, userName string, spec *Spec, st *State) error {
	g, err := c.grantingPolicy(ctx, bucket, userName)
	if err != nil {
		return err
	}
	if g == nil {
		return fmt.Errorf("no managed policy attached to IAM user %q grants access to objects in bucket %q: attach the connection's policy to the user (aws iam attach-user-policy) and import again", userName, bucket)
	}
	spec.PolicyName, spec.Prefix, spec.KMSKeyARN = g.policy.Name, g.found.Prefix, g.found.KMSKeyARN
	st.PolicyARN, st.PolicyAttached, st.PolicyVersionID = g.policy.ARN, true, g.version.ID
	st.PolicyJSON = displayPolicy(g.version.Document)
	if st.Token == "" {
		// The pair's claim, from either half: a create killed between its two claim tags leaves only the
		// policy claimed. The apply that next reads the user stamps its half (see (*run).plan).
		st.Token = g.policy.Tags[TagClaim]
	}
	return nil
}

// granting is the managed policy attached to a user that grants a bucket, and what it grants.
type granting struct {
	policy  Policy
	version PolicyVersion
	found   policy.Discovered
}

// grantingPolicy finds the first managed policy attached to the user that grants objects in bucket
// (nil when none does).
func (c *Converger) grantingPolicy(ctx context.Context, bucket, userName string) (*granting, error) {
	attached, err := c.d.IAM.ListAttachedUserPolicies(ctx, userName)
	if err != nil {
		return nil, stepErr("listing policies attached to IAM user", quote(userName), err)
	}
	for _, arn := range attached {
		p, err := c.d.IAM.GetPolicy(ctx, arn)
		if err != nil {
			return nil, stepErr("reading IAM policy", quote(arn), err)
		}
		v, err := c.d.IAM.GetPolicyVersion(ctx, arn, p.DefaultVersionID)
		if err != nil {
			return nil, stepErr("reading IAM policy", quote(arn), err)
		}
		if d, found, err := policy.Discover(v.Document, bucket); err == nil && found {
			p.ARN = arn
			return &granting{policy: p, version: v, found: d}, nil
		}
	}
	return nil, nil
}

func (c *Converger) findCredential(ctx context.Context, ref string) (*ica.StorageCredential, error) {
	var cred *ica.StorageCredential
	var err error
	if _, perr := uuid.Parse(ref); perr == nil {
		cred, err = c.creds.ByID(ctx, ref)
	} else {
		cred, err = c.creds.ByName(ctx, ref)
	}
	var ambiguous *icaobjects.AmbiguousNameError
	if errors.As(err, &ambiguous) {
		return nil, err // says to import by UUID
	}
	if err != nil {
		return nil, stepErr("listing ICA storage credentials for", quote(ref), err)
	}
	if cred == nil {
		return nil, fmt.Errorf("no ICA storage credential has the id or name %q: check the import ID (BUCKET:IAM_USER_NAME:CREDENTIAL)", ref)
	}
	return cred, nil
}

// findImportedRule finds the rule a connection owns: the one with the connection's rule ID, else the
// first rule whose origins include the ICA origin (preferring one with exactly the ICA content).
func findImportedRule(rules []policy.CORSRule, id string) int {
	for i, r := range rules {
		if r.ID == id {
			return i
		}
	}
	candidate := -1
	for i, r := range rules {
		if !slices.Contains(r.AllowedOrigins, policy.DefaultOrigin) {
			continue
		}
		if policy.SameContent(r, policy.ICARule(r.ID, r.AllowedOrigins)) {
			return i
		}
		if candidate < 0 {
			candidate = i
		}
	}
	return candidate
}

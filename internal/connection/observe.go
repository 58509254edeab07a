package connection

import (
	"context"
	"errors"

	"golang.org/x/sync/errgroup"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/icaobjects"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

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
		var ambiguous *icaobjects.AmbiguousNameError
		if errors.As(err, &ambiguous) {
			return err
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

package connection

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// maxPolicyVersions is AWS's limit of stored versions per managed policy.
const maxPolicyVersions = 5

// desiredPolicy is the policy document spec needs on a bucket with (or without) versioning.
func desiredPolicy(spec Spec, versioned bool) string {
	return policy.Build(policy.Options{Bucket: spec.Bucket, Prefix: spec.Prefix, KMSKeyARN: spec.KMSKeyARN, Versioned: versioned}).JSON()
}

// policy makes sure the connection's policy exists with the desired document and tags: the recorded
// policy gets a new version when its document differs, a missing one is created, and a leftover of an
// interrupted create of this connection is adopted.
func (r *run) policy(ctx context.Context) error {
	c, spec, prior, o, desired := r.c, r.spec, r.prior, r.o, r.desiredPolicy
	if prior.PolicyARN != "" && o.policyFound {
		version := o.policyVersionID
		if eq, err := policy.Equivalent(o.policyDoc, desired); err != nil || !eq {
			v, err := c.newPolicyVersion(ctx, prior.PolicyARN, desired)
			if err != nil {
				return err
			}
			version = v
		}
		r.update(func(st *State) { st.PolicyARN, st.PolicyVersionID, st.PolicyJSON = prior.PolicyARN, version, desired })
		if maps.Equal(prior.Tags, spec.Tags) {
			return nil
		}
		if err := c.d.IAM.TagPolicy(ctx, prior.PolicyARN, policyTags(spec)); err != nil {
			return stepErr("tagging IAM policy", quote(prior.PolicyARN), err)
		}
		if removed := removedKeys(prior.Tags, spec.Tags); len(removed) > 0 {
			if err := c.d.IAM.UntagPolicy(ctx, prior.PolicyARN, removed); err != nil {
				return stepErr("untagging IAM policy", quote(prior.PolicyARN), err)
			}
		}
		return nil
	}
	p, err := c.d.IAM.CreatePolicy(ctx, spec.PolicyName, spec.Path, desired, policyTags(spec))
	if errors.Is(err, ErrAlreadyExists) {
		if p, err = r.adoptPolicy(ctx); err != nil {
			return err
		}
		r.adopted(fmt.Sprintf("IAM policy %q was left by an unfinished create of this connection (it carries the provider's ownership tags and no claim) and was adopted", p.ARN))
	} else if err != nil {
		return stepErr("creating IAM policy", quote(spec.PolicyName), err)
	}
	r.newPolicy = true
	r.update(func(st *State) { st.PolicyARN, st.PolicyJSON, st.PolicyVersionID = p.ARN, desired, p.DefaultVersionID })
	return nil
}

// adoptPolicy takes over a policy of ours left by an interrupted create, bringing its document up to
// date. A policy without our ownership tags is someone else's: refuse.
func (r *run) adoptPolicy(ctx context.Context) (Policy, error) {
	c, spec, desired := r.c, r.spec, r.desiredPolicy
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
	if err := r.partnerUserClaimed(ctx); err != nil {
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
		if slices.Contains(attached, arn) {
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
	slices.SortFunc(old, func(a, b PolicyVersion) int { return a.Created.Compare(b.Created) })
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

func policyARN(account string, spec Spec) string {
	return fmt.Sprintf("arn:aws:iam::%s:policy%s%s", account, spec.Path, spec.PolicyName)
}

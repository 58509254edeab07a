package connection

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// Delete removes our CORS rule (the configuration goes when ours was its only rule), the user's keys,
// the attachment, the user, every version of the policy and the policy: what destroyScope says is this
// connection's. Parts already gone are fine. The returned notes name what was left to the connection
// that claims it. The ICA credential is left alone: ICA has no delete API (the caller warns about it).
func (c *Converger) Delete(ctx context.Context, spec Spec, prior State) ([]string, error) {
	scope, err := c.destroyScope(ctx, spec, prior)
	if err != nil {
		return nil, err
	}
	return scope.notes, parallel(func() error { return c.deleteCORS(ctx, spec, prior, scope) }, func() error { return c.deleteIAM(ctx, spec, prior, scope) })
}

func (c *Converger) deleteCORS(ctx context.Context, spec Spec, prior State, scope destroyScope) error {
	if !spec.ManageCORS || !scope.cors {
		return nil
	}
	want := policy.ICARule(spec.CORSRuleID, spec.CORSOrigins)
	_, _, err := c.buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
		return policy.RemoveCORS(rules, want)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return stepErr("removing our CORS rule from bucket", quote(spec.Bucket), err)
}

// deleteIAM deletes what the prior state records, in the fewest calls: the recorded key and the policy
// attachment (in parallel), then the user, then the policy; four calls for a usual connection. AWS refuses
// (DeleteConflict) to delete a user that still has keys, or a policy that still has non-default versions;
// only then are those listed, removed and the delete retried, so a key or version the state does not know
// about (a rotation cut short, an edit made outside Terraform) still goes. Parts already gone are fine.
func (c *Converger) deleteIAM(ctx context.Context, spec Spec, prior State, scope destroyScope) error {
	if scope.user {
		if err := c.deleteUser(ctx, spec.UserName, prior, scope.sweep); err != nil {
			return err
		}
	}
	if !scope.policy {
		return nil
	}
	return c.deletePolicy(ctx, prior.PolicyARN, prior.PolicyVersionID)
}

func (c *Converger) deleteUser(ctx context.Context, name string, prior State, sweep bool) error {
	if err := parallel(
		func() error {
			if prior.AccessKeyID == "" {
				return nil
			}
			return c.deleteKey(ctx, name, prior.AccessKeyID)
		},
		func() error {
			if prior.PolicyARN == "" {
				return nil
			}
			if err := c.d.IAM.DetachUserPolicy(ctx, name, prior.PolicyARN); err != nil && !errors.Is(err, ErrNotFound) {
				return stepErr("detaching policy "+quote(prior.PolicyARN)+" from IAM user", quote(name), err)
			}
			return nil
		},
	); err != nil {
		return err
	}
	err := c.d.IAM.DeleteUser(ctx, name)
	if err == nil || errors.Is(err, ErrNotFound) {
		return nil
	}
	if !errors.Is(err, ErrDeleteConflict) {
		return stepErr("deleting IAM user", quote(name), err)
	}
	// Keys the state does not record block the delete: on a user that is provably this connection's (its
	// claim), they are leftovers of a cut-short rotation: list them, delete them, try again.
	keys, listErr := c.d.IAM.ListAccessKeys(ctx, name)
	if errors.Is(listErr, ErrNotFound) {
		return nil
	}
	if listErr != nil {
		return stepErr("listing access keys of IAM user", quote(name), listErr)
	}
	if len(keys) == 0 {
		// Something else holds the user (a policy attached outside Terraform, a login profile): say so.
		return stepErr("deleting IAM user", quote(name), err)
	}
	if !sweep {
		ids := make([]string, len(keys))
		for i, k := range keys {
			ids[i] = k.ID
		}
		return stepErr("deleting IAM user", quote(name), fmt.Errorf("it still has access keys this connection did not record (%s), and its claim does not prove they are this connection's: delete the ones nothing uses (aws iam delete-access-key --user-name %s --access-key-id KEY_ID) and destroy again", strings.Join(ids, ", "), name))
	}
	deletes := make([]func() error, len(keys))
	for i, k := range keys {
		deletes[i] = func() error { return c.deleteKey(ctx, name, k.ID) }
	}
	if err := parallel(deletes...); err != nil {
		return err
	}
	if err := c.d.IAM.DeleteUser(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
		return stepErr("deleting IAM user", quote(name), err)
	}
	return nil
}

func (c *Converger) deleteKey(ctx context.Context, user, id string) error {
	if err := c.d.IAM.DeleteAccessKey(ctx, user, id); err != nil && !errors.Is(err, ErrNotFound) {
		return stepErr("deleting access key "+id+" of IAM user", quote(user), err)
	}
	return nil
}

// deletePolicy deletes the policy. A policy still at its first version (the recorded default is v1) has no
// other versions unless someone added one outside Terraform, so it is deleted straight away; otherwise, or
// when AWS answers DeleteConflict, the non-default versions are deleted first.
func (c *Converger) deletePolicy(ctx context.Context, arn, knownVersion string) error {
	if knownVersion == "v1" {
		err := c.d.IAM.DeletePolicy(ctx, arn)
		if err == nil || errors.Is(err, ErrNotFound) {
			return nil
		}
		if !errors.Is(err, ErrDeleteConflict) {
			return stepErr("deleting IAM policy", quote(arn), err)
		}
	}
	versions, err := c.d.IAM.ListPolicyVersions(ctx, arn)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return stepErr("listing versions of IAM policy", quote(arn), err)
	}
	for _, v := range versions {
		if v.IsDefault {
			continue
		}
		if err := c.d.IAM.DeletePolicyVersion(ctx, arn, v.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting version "+v.ID+" of IAM policy", quote(arn), err)
		}
	}
	if err := c.d.IAM.DeletePolicy(ctx, arn); err != nil && !errors.Is(err, ErrNotFound) {
		return stepErr("deleting IAM policy", quote(arn), err)
	}
	return nil
}

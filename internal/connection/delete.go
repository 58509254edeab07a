package connection

import (
	"context"
	"errors"
	"sync"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// Delete removes our CORS rule (the configuration goes when ours was its only rule), the user's keys,
// the attachment, the user, every version of the policy and the policy. Parts already gone are fine.
// The ICA credential is left alone: ICA has no delete API (the caller warns about it).
func (c *Converger) Delete(ctx context.Context, spec Spec, prior State) error {
	var corsErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		corsErr = c.deleteCORS(ctx, spec)
	}()
	iamErr := c.deleteIAM(ctx, spec, prior)
	wg.Wait()
	return errors.Join(corsErr, iamErr)
}

func (c *Converger) deleteCORS(ctx context.Context, spec Spec) error {
	if !spec.ManageCORS {
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

func (c *Converger) deleteIAM(ctx context.Context, spec Spec, prior State) error {
	userGone := false
	keys, err := c.d.IAM.ListAccessKeys(ctx, spec.UserName)
	switch {
	case errors.Is(err, ErrNotFound):
		userGone = true
	case err != nil:
		return stepErr("listing access keys of IAM user", quote(spec.UserName), err)
	}
	if !userGone {
		var g sync.WaitGroup
		errs := make([]error, len(keys)+1)
		for i, k := range keys {
			g.Add(1)
			go func() {
				defer g.Done()
				if err := c.d.IAM.DeleteAccessKey(ctx, spec.UserName, k.ID); err != nil && !errors.Is(err, ErrNotFound) {
					errs[i] = stepErr("deleting access key "+k.ID+" of IAM user", quote(spec.UserName), err)
				}
			}()
		}
		if prior.PolicyARN != "" {
			g.Add(1)
			go func() {
				defer g.Done()
				if err := c.d.IAM.DetachUserPolicy(ctx, spec.UserName, prior.PolicyARN); err != nil && !errors.Is(err, ErrNotFound) {
					errs[len(keys)] = stepErr("detaching policy "+quote(prior.PolicyARN)+" from IAM user", quote(spec.UserName), err)
				}
			}()
		}
		g.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := c.d.IAM.DeleteUser(ctx, spec.UserName); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting IAM user", quote(spec.UserName), err)
		}
	}
	if prior.PolicyARN == "" {
		return nil
	}
	versions, err := c.d.IAM.ListPolicyVersions(ctx, prior.PolicyARN)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return stepErr("listing versions of IAM policy", quote(prior.PolicyARN), err)
	}
	for _, v := range versions {
		if v.IsDefault {
			continue
		}
		if err := c.d.IAM.DeletePolicyVersion(ctx, prior.PolicyARN, v.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return stepErr("deleting version "+v.ID+" of IAM policy", quote(prior.PolicyARN), err)
		}
	}
	if err := c.d.IAM.DeletePolicy(ctx, prior.PolicyARN); err != nil && !errors.Is(err, ErrNotFound) {
		return stepErr("deleting IAM policy", quote(prior.PolicyARN), err)
	}
	return nil
}

package connection

import (
	"context"
	"errors"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// cors puts the connection's rule on the bucket (or removes it when CORS is no longer managed), merging
// it with the bucket's other rules under the bucket's lock. A new connection waits until its user is
// known to be its own (userReady).
func (r *run) cors(ctx context.Context) error {
	spec, prior, buckets := r.spec, r.prior, r.c.buckets
	// The rule is recorded only when this apply wrote (or verified) it: the state says what is on the bucket.
	var written bool
	defer r.update(func(st *State) {
		st.CORSRule, st.CORSRuleID = false, ""
		if written {
			st.CORSRule, st.CORSRuleID = true, spec.CORSRuleID
		}
	})
	if r.userReady != nil {
		select {
		case ok := <-r.userReady:
			if !ok {
				return nil // the IAM chain reports why
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	want := policy.ICARule(spec.CORSRuleID, spec.CORSOrigins)
	if !spec.ManageCORS {
		// Remove the rule we put there before (found by its recorded ID, or the adopted ID-less rule).
		old := policy.ICARule(prior.CORSRuleID, spec.CORSOrigins)
		if prior.CORSRuleID == "" && !prior.CORSRule {
			return nil
		}
		_, _, err := buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
			return policy.RemoveCORS(rules, old)
		})
		return stepErr("removing our CORS rule from bucket", quote(spec.Bucket), err)
	}
	if prior.CORSRuleID != "" && prior.CORSRuleID != spec.CORSRuleID {
		// The rule ID changed (an adopted rule gets a generated ID): drop the old one first.
		old := policy.ICARule(prior.CORSRuleID, spec.CORSOrigins)
		if _, _, err := buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
			return policy.RemoveCORS(rules, old)
		}); err != nil {
			return stepErr("removing our old CORS rule from bucket", quote(spec.Bucket), err)
		}
	}
	rules, _, err := buckets.ModifyCORS(ctx, spec.Bucket, func(rules []policy.CORSRule) ([]policy.CORSRule, bool) {
		return policy.PutCORS(rules, want)
	})
	if err != nil {
		return stepErr("writing our CORS rule to bucket", quote(spec.Bucket), err)
	}
	if i := policy.FindCORS(rules, want); i < 0 || !policy.SameContent(rules[i], want) {
		return stepErr("writing our CORS rule to bucket", quote(spec.Bucket),
			errors.New("the rule is missing when the configuration is read back: another tool rewrote the bucket's CORS configuration at the same time; apply again"))
	}
	written = true
	return nil
}

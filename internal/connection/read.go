package connection

import (
	"context"
	"slices"

	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

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
	// A rule with our ID is ours only for a connection that exists (see claimsCORS).
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
		} else if hasOtherActiveKey(o.keys, prior.AccessKeyID) && keysAreOurs(o.user.Tags, spec) {
			// A leftover of an interrupted rotation on our user: the next apply finishes it.
			st.AccessKeyID = ""
		}
		st.PolicyAttached = prior.PolicyARN != "" && slices.Contains(o.attached, prior.PolicyARN)
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

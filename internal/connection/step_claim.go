package connection

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// checkSharing is the first apply of a connection whose state has no token (it predates claims, or was
// imported): it looks for another connection sharing the user or the policy before claiming them. Found
// sharing is reported, nothing is claimed, and the user's other keys are left alone (planKeys sees them
// as foreign), so the apply deletes nothing that may be another connection's.
func (r *run) checkSharing(ctx context.Context) error {
	spec, prior, o := r.spec, r.prior, r.o
	if r.user != nil {
		if claimOf(r.user.Tags, spec.Token) == claimedByOther {
			r.noClaim = true
			r.note(fmt.Sprintf("IAM user %q is claimed by another ica_s3_connection (tag %s): the two share it. This connection leaves the user's other keys alone and does not claim it; give it its own iam_user_name to separate them", spec.UserName, TagClaim))
		}
		var others []string
		for _, k := range o.keys {
			if k.ID != prior.AccessKeyID {
				others = append(others, k.ID)
			}
		}
		if len(others) > 0 {
			r.noClaim = true
			r.note(fmt.Sprintf("IAM user %q has access keys this connection does not record (%s): another connection may share the user (or a rotation was cut short). They are left alone and the user is not claimed; give each connection its own iam_user_name, or delete the unused key, and apply again", spec.UserName, strings.Join(others, ", ")))
		}
	}
	if prior.PolicyARN == "" {
		return nil
	}
	p, err := r.c.d.IAM.GetPolicy(ctx, prior.PolicyARN)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return stepErr("reading IAM policy", quote(prior.PolicyARN), err)
	}
	if claimOf(p.Tags, spec.Token) == claimedByOther || p.AttachmentCount > 1 {
		r.noClaim = true
		r.note(fmt.Sprintf("IAM policy %q is attached to %d users or claimed by another ica_s3_connection: the connections share it, so this one does not claim it; give each its own iam_policy_name", prior.PolicyARN, p.AttachmentCount))
	}
	return nil
}

// claim stamps this connection's token on its user and policy: the last step of an apply, once ICA holds
// the key. It is skipped when both already carry it and when sharing was found.
func (r *run) claim(ctx context.Context) error {
	spec, prior := r.spec, r.prior
	if spec.Token == "" || r.noClaim {
		return nil
	}
	st := r.state()
	stamped := prior.Token == spec.Token
	var userClaimed, policyClaimed bool
	err := parallel(
		func() error {
			if stamped && !r.newUser && !r.userUnclaimed {
				return nil
			}
			err := r.c.d.IAM.TagUser(ctx, spec.UserName, claimTags(spec.Token))
			userClaimed = err == nil
			return stepErr("claiming IAM user", quote(spec.UserName), err)
		},
		func() error {
			if stamped && !r.newPolicy {
				return nil
			}
			err := r.c.d.IAM.TagPolicy(ctx, st.PolicyARN, claimTags(spec.Token))
			policyClaimed = err == nil
			return stepErr("claiming IAM policy", quote(st.PolicyARN), err)
		},
	)
	if err != nil && !stamped {
		// The state will not record this token: take back the half of the claim that was stamped, so a
		// retry can adopt the objects (best effort: the error below is the one to report).
		if userClaimed {
			_ = r.c.d.IAM.UntagUser(ctx, spec.UserName, []string{TagClaim})
		}
		if policyClaimed {
			_ = r.c.d.IAM.UntagPolicy(ctx, st.PolicyARN, []string{TagClaim})
		}
	}
	if err != nil {
		return err
	}
	r.update(func(st *State) { st.Token = spec.Token })
	return nil
}

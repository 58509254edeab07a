package connection

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

// Own only what is ours. Every rule about which existing objects a connection may adopt, change or delete
// is here; DESIGN.md ("Own only what is ours") explains them.
//
//   - Ownership tags (TagManagedBy, TagBucket, TagCredential, TagIAMUser) say that this provider made an
//     object for a bucket, a credential name and a user. They are written at create, so an interrupted
//     create leaves objects that carry them.
//   - The claim (TagClaim) says which Terraform object holds them. It is stamped as the last step of a
//     successful apply, when ICA holds the key, with the token unique to that object (Spec.Token), and
//     State.Token records it. An object with ownership tags and no claim is a leftover of a create that
//     never finished: the next create of the same names adopts it. A claimed object is never adopted by
//     another token, and a destroy deletes only what its own claim (or, without a token, no claim) covers.
//   - ICA credentials carry no tags and ICA never says which key one holds, so the holder of a credential
//     name is found on the IAM side: the claimed user whose TagCredential names it.
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
	// TagClaim holds the token of the Terraform object that owns the user or policy.
	TagClaim = "ica-tf:claim"
	// ReservedTagPrefix may not be used by user-supplied tags.
	ReservedTagPrefix = "ica-tf:"
)

func ownershipTags(spec Spec) map[string]string {
	return map[string]string{TagManagedBy: ManagedByValue, TagBucket: spec.Bucket, TagCredential: spec.CredentialName}
}

// policyTags are the tags the policy carries: ownership (with its user) and the configured ones.
func policyTags(spec Spec) map[string]string {
	tags := ownershipTags(spec)
	tags[TagIAMUser] = spec.UserName
	maps.Copy(tags, spec.Tags)
	return tags
}

func claimTags(token string) map[string]string { return map[string]string{TagClaim: token} }

func isOurs(tags map[string]string, bucket string) bool {
	return tags[TagManagedBy] == ManagedByValue && tags[TagBucket] == bucket
}

// claim is what an object's claim tag says to the connection holding token.
type claim int

const (
	unclaimed      claim = iota // no claim: a leftover of a create that never finished (or older state)
	claimedByUs                 // our token
	claimedByOther              // another Terraform object's token
)

func claimOf(tags map[string]string, token string) claim {
	switch c := tags[TagClaim]; {
	case c == "":
		return unclaimed
	case token != "" && c == token:
		return claimedByUs
	default:
		return claimedByOther
	}
}

// keysAreOurs reports whether every access key of a user with these tags is this connection's, to
// replace or delete: the user carries our ownership tags and, for a connection with a token, our claim.
func keysAreOurs(tags map[string]string, spec Spec) bool {
	return isOurs(tags, spec.Bucket) && (spec.Token == "" || claimOf(tags, spec.Token) == claimedByUs)
}

// userTags are a user's tags without the reserved ownership tags: the ones the configuration manages.
func userTags(tags map[string]string) map[string]string {
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	maps.DeleteFunc(out, func(k, _ string) bool { return strings.HasPrefix(k, ReservedTagPrefix) })
	return out
}

// userIsThisConnections reports whether a user found by name was made by this provider for this
// connection (its bucket and its ICA credential).
func userIsThisConnections(u User, spec Spec) bool {
	return isOurs(u.Tags, spec.Bucket) && u.Tags[TagCredential] == spec.CredentialName
}

// claimedElsewhere is the refusal for an object another connection holds.
func claimedElsewhere(object, attribute string, spec Spec) error {
	return fmt.Errorf("%s already exists and belongs to another connection: it carries the claim (tag %s) of another ica_s3_connection, so this one may not take it over. Give this connection its own %s. If the other connection's Terraform state was lost (also when an apply was interrupted right after the claim), import it instead of creating a new one: terraform import ica_s3_connection.NAME %s:%s:%s",
		object, TagClaim, attribute, spec.Bucket, spec.UserName, spec.CredentialName)
}

// userNotAdoptable says why an existing user with the connection's name may not be adopted: another
// connection claims it, it was not made by this provider for this bucket, or it was made for another
// connection. Nil for a leftover of this one.
func userNotAdoptable(u User, spec Spec) error {
	if claimOf(u.Tags, spec.Token) == claimedByOther {
		return claimedElsewhere(fmt.Sprintf("IAM user %q", spec.UserName), "iam_user_name", spec)
	}
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

// A finished create claims the user and the policy one after the other, so a kill between the two leaves
// a pair of which only one half carries a claim. The steps of a create run in parallel: one would adopt
// the unclaimed half while the other refuses the claimed one, the refused create would record the adopted
// half in its tainted state, and that state's destroy would delete a part of the claimed connection. So a
// leftover half is adopted only when its partner is not claimed by another token. Each check costs one
// read, on the adoption path only.

// partnerUserClaimed refuses the adoption of the policy when the connection's IAM user carries another
// token's claim.
func (r *run) partnerUserClaimed(ctx context.Context) error {
	spec := r.spec
	u, err := r.c.d.IAM.GetUser(ctx, spec.UserName)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return stepErr("reading IAM user", quote(spec.UserName), err)
	}
	if claimOf(u.Tags, spec.Token) == claimedByOther {
		return claimedElsewhere(fmt.Sprintf("IAM user %q", spec.UserName), "iam_user_name", spec)
	}
	return nil
}

// partnerPolicyClaimed refuses the adoption of the user when the connection's IAM policy carries another
// token's claim.
func (r *run) partnerPolicyClaimed(ctx context.Context) error {
	spec := r.spec
	account, err := r.c.account(ctx)
	if err != nil {
		return stepErr("reading the AWS account id for IAM policy", quote(spec.PolicyName), err)
	}
	arn := policyARN(account, spec)
	p, err := r.c.d.IAM.GetPolicy(ctx, arn)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return stepErr("reading existing IAM policy", quote(arn), err)
	}
	if claimOf(p.Tags, spec.Token) == claimedByOther {
		return claimedElsewhere(fmt.Sprintf("IAM policy %q", arn), "iam_policy_name", spec)
	}
	return nil
}

// policyNotAdoptable is userNotAdoptable for the policy (by its tags; adoptPolicy also checks attachments).
func policyNotAdoptable(p Policy, arn string, spec Spec) error {
	if claimOf(p.Tags, spec.Token) == claimedByOther {
		return claimedElsewhere(fmt.Sprintf("IAM policy %q", arn), "iam_policy_name", spec)
	}
	if !isOurs(p.Tags, spec.Bucket) {
		return fmt.Errorf("IAM policy %q already exists and was not created by this provider for bucket %q: import the connection (terraform import) or choose another iam_policy_name", arn, spec.Bucket)
	}
	if owner := p.Tags[TagIAMUser]; !naming.SameIAMName(owner, spec.UserName) {
		return anotherConnectionsPolicy(arn, spec.Bucket, fmt.Sprintf("it was made for IAM user %q", owner))
	}
	return nil
}

func anotherConnectionsPolicy(arn, bucket, why string) error {
	return fmt.Errorf("IAM policy %q already exists and belongs to another connection of bucket %q (%s). Give this connection its own iam_policy_name: two connections of the same bucket and folder need different names", arn, bucket, why)
}

// creatingCORS reports whether an apply will write this connection's CORS rule for the first time.
func creatingCORS(spec Spec, prior State) bool {
	return spec.ManageCORS && prior.UserARN == "" && !prior.CORSRule
}

// claimsCORS reports whether a connection in this state may own the bucket's rule with its ID: a create
// refused before its user step never wrote one, and the rule with that ID is another connection's.
func claimsCORS(prior State) bool {
	return prior.CORSRule || prior.UserARN != "" || prior.AccessKeyID != ""
}

// credentialHolder finds the connection that holds an ICA credential name: a user other than spec's
// whose ownership tags name the credential and whose claim is another connection's. ICA credentials carry
// no tags, so this is asked of IAM, only before a create hands its key to a credential of that name that
// already exists: one ListUsers page per 1,000 users, then one GetUser per user (8 at a time).
func (c *Converger) credentialHolder(ctx context.Context, spec Spec) (*User, error) {
	users, err := c.d.IAM.ListUsers(ctx)
	if err != nil {
		return nil, stepErr("listing IAM users to find the holder of ICA storage credential", quote(spec.CredentialName), err)
	}
	users = slices.DeleteFunc(users, func(u User) bool { return naming.SameIAMName(u.Name, spec.UserName) })
	var (
		mu     sync.Mutex
		holder *User
		errs   []error
		wg     sync.WaitGroup
		slots  = make(chan struct{}, 8)
	)
	for _, u := range users {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			full, err := c.d.IAM.GetUser(ctx, u.Name)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				errs = append(errs, stepErr("reading IAM user", quote(u.Name), err))
			case full.Tags[TagManagedBy] == ManagedByValue && full.Tags[TagCredential] == spec.CredentialName &&
				claimOf(full.Tags, spec.Token) == claimedByOther && (holder == nil || u.Name < holder.Name):
				holder = &full
			}
		})
	}
	wg.Wait()
	return holder, errors.Join(errs...)
}

// mayTakeOverCredential decides whether this connection may send its key to a credential that holder's
// connection holds: only when both connections grant the same bucket and folder (a replacement, such
// as create_before_destroy, which destroys the holder next). Otherwise ICA would lose the access the
// holder's connection gives it, without a word to that connection. Reading the holder's policy costs
// ListAttachedUserPolicies, GetPolicy and GetPolicyVersion.
func (c *Converger) mayTakeOverCredential(ctx context.Context, spec Spec, holder User) error {
	refuse := func(why string) error {
		return fmt.Errorf("ICA storage credential %q already exists and holds the key of another ica_s3_connection (its IAM user %q is tagged %s=%q and claimed by that connection), %s, so this connection must not replace that key: give it its own credential_name",
			spec.CredentialName, holder.Name, TagCredential, spec.CredentialName, why)
	}
	if holder.Tags[TagBucket] != spec.Bucket {
		return refuse(fmt.Sprintf("which connects bucket %q", holder.Tags[TagBucket]))
	}
	g, err := c.grantingPolicy(ctx, spec.Bucket, holder.Name)
	if err != nil {
		return err
	}
	if g == nil || g.found.Prefix != spec.Prefix {
		folder := "(none found)"
		if g != nil {
			folder = quote(g.found.Prefix)
		}
		return refuse(fmt.Sprintf("which grants folder %s of the bucket, not %q", folder, spec.Prefix))
	}
	return nil
}

// destroyScope is what a destroy may delete.
type destroyScope struct {
	user   bool // the user, its recorded key and the attachment
	sweep  bool // also the user's other keys, if they block its deletion
	policy bool
	cors   bool
	// bucketPolicy: our statement in the bucket policy (its Sid derives from the user's name, like the CORS rule's id)
	bucketPolicy bool
	notes        []string
}

// destroyScope decides what a destroy deletes. A state with a token owns its user and policy (claims are
// never taken over), so nothing is read. A state without one (a create that failed before its claim, or
// state that predates claims) deletes only what no other connection claims: an object claimed since was
// taken over (a retry of the create adopted it), and this destroy forgets it and says so.
func (c *Converger) destroyScope(ctx context.Context, spec Spec, prior State) (destroyScope, error) {
	recorded := prior.UserARN != "" || prior.AccessKeyID != ""
	scope := destroyScope{cors: claimsCORS(prior), policy: prior.PolicyARN != "", bucketPolicy: prior.BucketPolicySid != ""}
	if prior.Token != "" && recorded {
		scope.user, scope.sweep = true, true
		return scope, nil
	}
	u, err := c.d.IAM.GetUser(ctx, spec.UserName)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return scope, stepErr("reading IAM user", quote(spec.UserName), err)
	case claimOf(u.Tags, prior.Token) == claimedByOther:
		scope.cors, scope.bucketPolicy = false, false
		if recorded {
			scope.notes = append(scope.notes, fmt.Sprintf("IAM user %q is now claimed by another ica_s3_connection (it took over what this one left unfinished): this destroy leaves the user, its keys, its CORS rule and its bucket-policy statement to that connection", spec.UserName))
		}
	default:
		scope.user = recorded || userIsThisConnections(u, spec)
		scope.sweep = userIsThisConnections(u, spec) && (prior.Token == "" || claimOf(u.Tags, prior.Token) == claimedByUs)
	}
	if !scope.policy || prior.Token != "" {
		return scope, nil
	}
	p, err := c.d.IAM.GetPolicy(ctx, prior.PolicyARN)
	switch {
	case errors.Is(err, ErrNotFound):
		scope.policy = false
	case err != nil:
		return scope, stepErr("reading IAM policy", quote(prior.PolicyARN), err)
	case claimOf(p.Tags, prior.Token) == claimedByOther:
		scope.policy = false
		scope.notes = append(scope.notes, fmt.Sprintf("IAM policy %q is now claimed by another ica_s3_connection: this destroy leaves it to that connection", prior.PolicyARN))
	}
	return scope, nil
}

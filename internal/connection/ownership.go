package connection

import (
	"fmt"
	"maps"
	"strings"
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

func isOurs(tags map[string]string, bucket string) bool {
	return tags[TagManagedBy] == ManagedByValue && tags[TagBucket] == bucket
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
// connection (its bucket and its ICA credential): destroy deletes such a user even when the state does
// not record it.
func userIsThisConnections(u User, spec Spec) bool {
	return isOurs(u.Tags, spec.Bucket) && u.Tags[TagCredential] == spec.CredentialName
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

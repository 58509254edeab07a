package connection

import (
	"context"
	"errors"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
)

// ErrNotFound is wrapped by adapters when the object asked for does not exist (NoSuchBucket,
// NoSuchEntity, ...). Test with errors.Is.
var ErrNotFound = errors.New("not found")

// ErrAlreadyExists is wrapped by adapters when a create conflicts with an existing object.
var ErrAlreadyExists = errors.New("already exists")

// ErrDeleteConflict is wrapped by adapters when a delete is refused because the object still has
// subordinate objects (IAM DeleteConflict: a user with keys or attached policies, a policy that is attached
// or has non-default versions).
var ErrDeleteConflict = errors.New("delete conflict")

// ErrNoAnswer is wrapped by adapters when an endpoint did not answer within its time limit (and is then
// not called again by the process): a waiting loop stops instead of polling it until the operation's timeout.
var ErrNoAnswer = errors.New("the endpoint did not answer in time")

// S3 is the bucket side. BucketRegion is asked once per bucket and process (the converger caches it) and
// every other call is told the bucket's region, so implementations route it there without a cache of
// their own.
type S3 interface {
	BucketRegion(ctx context.Context, bucket string) (string, error)
	// BucketVersioned is true when versioning is Enabled or Suspended.
	BucketVersioned(ctx context.Context, region, bucket string) (bool, error)
	// BucketCORS returns the bucket's rules; a bucket without CORS configuration returns nil, nil.
	BucketCORS(ctx context.Context, region, bucket string) ([]policy.CORSRule, error)
	// PutBucketCORS replaces the configuration; an empty list deletes it.
	PutBucketCORS(ctx context.Context, region, bucket string, rules []policy.CORSRule) error
}

type User struct {
	Name, Path, ARN string
	Tags            map[string]string
}

type AccessKey struct {
	ID      string
	Active  bool
	Created time.Time
}

// NewAccessKey holds a secret: never log it, never put it in an error or in State.
type NewAccessKey struct {
	ID, Secret string
	// Retried is true when the call was sent more than once: an earlier attempt may have created a key
	// whose answer was lost.
	Retried bool
}

type Policy struct {
	ARN, Name, Path  string
	DefaultVersionID string
	Tags             map[string]string
	// AttachmentCount is how many users, groups and roles the policy is attached to (GetPolicy only).
	AttachmentCount int
}

type PolicyVersion struct {
	ID        string
	IsDefault bool
	Created   time.Time
	// Document is filled by GetPolicyVersion only (decoded or not; policy.Decode handles both).
	Document string
}

// IAM is the IAM side. Not-found errors wrap ErrNotFound, create conflicts wrap ErrAlreadyExists.
type IAM interface {
	AccountID(ctx context.Context) (string, error)
	GetUser(ctx context.Context, name string) (User, error)
	// ListUsers lists every user of the account without their tags (ListUsers returns none).
	ListUsers(ctx context.Context) ([]User, error)
	CreateUser(ctx context.Context, name, path string, tags map[string]string) (User, error)
	TagUser(ctx context.Context, name string, tags map[string]string) error
	UntagUser(ctx context.Context, name string, keys []string) error
	DeleteUser(ctx context.Context, name string) error
	ListAccessKeys(ctx context.Context, user string) ([]AccessKey, error)
	CreateAccessKey(ctx context.Context, user string) (NewAccessKey, error)
	DeleteAccessKey(ctx context.Context, user, keyID string) error
	ListAttachedUserPolicies(ctx context.Context, user string) ([]string, error)
	AttachUserPolicy(ctx context.Context, user, policyARN string) error
	DetachUserPolicy(ctx context.Context, user, policyARN string) error
	GetPolicy(ctx context.Context, arn string) (Policy, error)
	GetPolicyVersion(ctx context.Context, arn, versionID string) (PolicyVersion, error)
	CreatePolicy(ctx context.Context, name, path, document string, tags map[string]string) (Policy, error)
	CreatePolicyVersion(ctx context.Context, arn, document string) (PolicyVersion, error)
	ListPolicyVersions(ctx context.Context, arn string) ([]PolicyVersion, error)
	DeletePolicyVersion(ctx context.Context, arn, versionID string) error
	DeletePolicy(ctx context.Context, arn string) error
	TagPolicy(ctx context.Context, arn string, tags map[string]string) error
	UntagPolicy(ctx context.Context, arn string, keys []string) error
}

// KeyProber makes one cheap call signed with the given key; nil means the key works.
type KeyProber interface {
	ProbeKey(ctx context.Context, accessKeyID, secretAccessKey string) error
}

// Credentials is the ICA side (*ica.Client implements it).
type Credentials interface {
	ListStorageCredentials(ctx context.Context) ([]ica.StorageCredential, error)
	CreateStorageCredential(ctx context.Context, in ica.CreateStorageCredential) (*ica.StorageCredential, error)
	UpdateStorageCredentialSecrets(ctx context.Context, id string, creds ica.AWSCredentials) error
	ShareStorageCredential(ctx context.Context, id string) error
}

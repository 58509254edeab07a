package connection

import (
	"context"
	"errors"
)

// ErrInvalidPrincipal is wrapped by adapters when AWS refuses a bucket policy because a principal does
// not exist ("Invalid principal in policy"; moto accepts any).
var ErrInvalidPrincipal = errors.New("invalid principal in bucket policy")

// BucketPolicies is the bucket-policy side of S3, used only by connections that set a cross-account role.
type BucketPolicies interface {
	// BucketPolicy returns the bucket's policy document; "" when the bucket has none. region is the
	// bucket's, as for S3.
	BucketPolicy(ctx context.Context, region, bucket string) (string, error)
	PutBucketPolicy(ctx context.Context, region, bucket, document string) error
	DeleteBucketPolicy(ctx context.Context, region, bucket string) error
}

package acctest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// EnforceBucketOwner sets Object Ownership to BucketOwnerEnforced, as AWS does for every bucket made
// since 2023 (moto does not): the test buckets then look like real ones, and the provider's ownership
// warning appears only where a test wants it.
func EnforceBucketOwner(ctx context.Context, m *Moto, bucket string, opts ...func(*s3.Options)) error {
	_, err := m.S3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{
		Bucket: aws.String(bucket),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{
			{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced},
		}},
	}, opts...)
	return err
}

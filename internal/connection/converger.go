package connection

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ica-tf/terraform-provider-ica/internal/naming"
	"github.com/ica-tf/terraform-provider-ica/internal/policy"
	"github.com/ica-tf/terraform-provider-ica/internal/wait"
)

// Deps are the converger's collaborators.
type Deps struct {
	S3          S3
	IAM         IAM
	Prober      KeyProber
	Credentials Credentials
	// Sleep waits between key probes; nil uses a timer honouring ctx. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Converger is shared by every connection of one provider process (it holds the per-bucket cache, the
// per-bucket CORS locks and the ICA credential directory).
type Converger struct {
	d       Deps
	buckets *bucketCache
	creds   *credentialDirectory

	accountOnce sync.Mutex
	accountID   string

	planned plannedNames
}

func New(d Deps) *Converger {
	if d.Sleep == nil {
		d.Sleep = wait.Sleep
	}
	return &Converger{d: d, buckets: newBucketCache(d.S3), creds: &credentialDirectory{ica: d.Credentials}}
}

// BucketRegion returns the bucket's region from the shared cache (plan-time checks use it).
func (c *Converger) BucketRegion(ctx context.Context, bucket string) (string, error) {
	return c.buckets.Region(ctx, bucket)
}

// DesiredPolicy is the policy document spec needs, using the shared versioning read.
func (c *Converger) DesiredPolicy(ctx context.Context, spec Spec) (string, error) {
	v, err := c.buckets.Versioned(ctx, spec.Bucket)
	if err != nil {
		return "", stepErr("reading versioning of bucket", quote(spec.Bucket), err)
	}
	return policy.Build(policy.Options{Bucket: spec.Bucket, Prefix: spec.Prefix, KMSKeyARN: spec.KMSKeyARN, Versioned: v}).JSON(), nil
}

// CheckRegions verifies the bucket's region against ica_region and the KMS key's region, returning the
// bucket's region. Errors name both regions and the fix.
func (c *Converger) CheckRegions(ctx context.Context, spec Spec) (string, error) {
	region, err := c.buckets.Region(ctx, spec.Bucket)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("S3 bucket %q does not exist (or is not visible to these AWS credentials): create it first, or fix the bucket name", spec.Bucket)
		}
		return "", stepErr("finding the region of bucket", quote(spec.Bucket), err)
	}
	if spec.RequiredRegion != "" && region != spec.RequiredRegion {
		return region, fmt.Errorf("bucket %q is in %s but ICA region %q needs %s: create the bucket in %s or choose the ica_region that matches %s",
			spec.Bucket, region, spec.ICARegionName, spec.RequiredRegion, spec.RequiredRegion, region)
	}
	if spec.KMSKeyARN != "" {
		if err := naming.ValidateKMSKeyARN(spec.KMSKeyARN, region); err != nil {
			return region, err
		}
	}
	return region, nil
}

func (c *Converger) account(ctx context.Context) (string, error) {
	c.accountOnce.Lock()
	defer c.accountOnce.Unlock()
	if c.accountID != "" {
		return c.accountID, nil
	}
	id, err := c.d.IAM.AccountID(ctx)
	if err != nil {
		return "", err
	}
	c.accountID = id
	return id, nil
}

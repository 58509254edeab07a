package awsapi

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/singleflight"

	"github.com/ica-tf/terraform-provider-ica/internal/readiness"
)

// Readiness implements readiness.Reader. Each bucket's encryption and ownership, and each key, are read
// once per provider instance (like the bucket region): a plan of five connections on one bucket reads
// them once.
type Readiness struct{ c *Clients }

var _ readiness.Reader = Readiness{}

// ReadinessAdapter returns the readiness.Reader implementation.
func (c *Clients) ReadinessAdapter() Readiness { return Readiness{c} }

// readinessCache is the zero-value-usable memo of the preflight reads and the KMS clients by region.
type readinessCache struct {
	mu   sync.Mutex
	memo map[string]memoEntry
	kms  map[string]*kms.Client
	sf   singleflight.Group
}

type memoEntry struct {
	v   any
	err error
}

// once returns the memoised answer for key, or calls read. Answers and AccessDenied are kept; other
// errors (throttling that outlived the retries, a network error) are not, so the next plan reads again.
func (r *readinessCache) once(key string, read func() (any, error)) (any, error) {
	r.mu.Lock()
	e, ok := r.memo[key]
	r.mu.Unlock()
	if ok {
		return e.v, e.err
	}
	v, err, _ := r.sf.Do(key, func() (any, error) {
		v, err := read()
		if err == nil || isDenied(err) {
			r.mu.Lock()
			if r.memo == nil {
				r.memo = map[string]memoEntry{}
			}
			r.memo[key] = memoEntry{v, err}
			r.mu.Unlock()
		}
		return v, err
	})
	return v, err
}

func isDenied(err error) bool {
	switch errorCode(err) {
	case "AccessDenied", "AccessDeniedException", "AllAccessDisabled":
		return true
	}
	return false
}

// mapReadErr wraps a refusal as readiness.ErrAccessDenied, else as mapErr does.
func mapReadErr(err error) error {
	if isDenied(err) {
		return fmt.Errorf("%w (%w)", err, readiness.ErrAccessDenied)
	}
	return mapErr(err)
}

func (a Readiness) BucketEncryption(ctx context.Context, region, bucket string) (readiness.Encryption, error) {
	v, err := a.c.ready.once("encryption/"+bucket, func() (any, error) {
		cl, err := a.c.S3(ctx, region)
		if err != nil {
			return readiness.Encryption{}, err
		}
		out, err := cl.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
		if errorCode(err) == "ServerSideEncryptionConfigurationNotFoundError" {
			return readiness.Encryption{}, nil
		}
		if err != nil {
			return readiness.Encryption{}, mapReadErr(err)
		}
		var e readiness.Encryption
		if c := out.ServerSideEncryptionConfiguration; c != nil {
			for _, rule := range c.Rules {
				if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
					e = readiness.Encryption{Algorithm: string(d.SSEAlgorithm), KeyID: aws.ToString(d.KMSMasterKeyID)}
					break
				}
			}
		}
		return e, nil
	})
	return v.(readiness.Encryption), err
}

func (a Readiness) BucketOwnership(ctx context.Context, region, bucket string) (string, error) {
	v, err := a.c.ready.once("ownership/"+bucket, func() (any, error) {
		cl, err := a.c.S3(ctx, region)
		if err != nil {
			return "", err
		}
		out, err := cl.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: aws.String(bucket)})
		if errorCode(err) == "OwnershipControlsNotFoundError" {
			return "", nil
		}
		if err != nil {
			return "", mapReadErr(err)
		}
		if out.OwnershipControls != nil {
			for _, r := range out.OwnershipControls.Rules {
				return string(r.ObjectOwnership), nil
			}
		}
		return "", nil
	})
	return v.(string), err
}

func (a Readiness) DescribeKey(ctx context.Context, region, keyID string) (readiness.Key, error) {
	if parsed, err := arn.Parse(keyID); err == nil {
		region = parsed.Region
	}
	v, err := a.c.ready.once("key/"+region+"/"+keyID, func() (any, error) {
		cl, err := a.c.KMS(ctx, region)
		if err != nil {
			return readiness.Key{}, err
		}
		out, err := cl.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
		if err != nil {
			return readiness.Key{}, mapReadErr(err)
		}
		m := out.KeyMetadata
		return readiness.Key{ARN: aws.ToString(m.Arn), AWSManaged: m.KeyManager == kmstypes.KeyManagerTypeAws}, nil
	})
	return v.(readiness.Key), err
}

// KMS returns the KMS client for region (created once per region).
func (c *Clients) KMS(ctx context.Context, region string) (*kms.Client, error) {
	cfg, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	if region == "" {
		region = cfg.Region
	}
	r := &c.ready
	r.mu.Lock()
	defer r.mu.Unlock()
	if cl, ok := r.kms[region]; ok {
		return cl, nil
	}
	cl := kms.NewFromConfig(cfg, func(o *kms.Options) {
		o.Region = region
		if c.settings.EndpointKMS != "" {
			o.BaseEndpoint = aws.String(c.settings.EndpointKMS)
		}
	})
	if r.kms == nil {
		r.kms = map[string]*kms.Client{}
	}
	r.kms[region] = cl
	return cl, nil
}

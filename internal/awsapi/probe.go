package awsapi

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

// Prober implements connection.KeyProber with sts:GetCallerIdentity signed by the key under test: it
// needs no permission, so it fails only while the key is not yet live.
type Prober struct{ c *Clients }

var _ connection.KeyProber = Prober{}

// KeyProber returns the connection.KeyProber implementation.
func (c *Clients) KeyProber() Prober { return Prober{c} }

func (p Prober) ProbeKey(ctx context.Context, accessKeyID, secretAccessKey string) error {
	cfg, err := p.c.Config(ctx)
	if err != nil {
		return err
	}
	cl := sts.NewFromConfig(cfg, p.c.stsOptions, func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, "")
		// The converger's loop does the waiting; one attempt per probe.
		o.RetryMaxAttempts = 1
	})
	_, err = cl.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return err
	}
	return nil
}

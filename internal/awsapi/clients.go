// Package awsapi adapts aws-sdk-go-v2 (S3, IAM, STS) to the small interfaces of internal/connection:
// lazy configuration from the provider's aws block, S3 calls routed to each bucket's own region,
// not-found and conflict errors mapped to connection.ErrNotFound / ErrAlreadyExists, a time limit on
// every request attempt (an endpoint that stalls once is not called again by the process), and every
// call logged through tflog (service, operation, region, HTTP status, duration; never credentials).
package awsapi

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// DefaultRegion is used when neither the aws block nor the standard chain names a region.
const DefaultRegion = "us-east-1"

// Clients holds the AWS configuration of one provider instance. Nothing is loaded until the first
// call, so a plan that never touches AWS makes no AWS call and reads no AWS configuration.
type Clients struct {
	settings Settings

	once sync.Once
	cfg  aws.Config
	err  error

	mu      sync.Mutex
	s3      map[string]*s3.Client // by region
	iam     *iam.Client
	sts     *sts.Client
	stalled map[string]*NoAnswerError // by service and endpoint: the first call that got no answer
}

// New returns lazily configured clients; safe for concurrent use.
func New(s Settings) *Clients {
	return &Clients{settings: s, s3: map[string]*s3.Client{}, stalled: map[string]*NoAnswerError{}}
}

// Config loads the AWS configuration once: the standard chain with the aws block's overrides.
func (c *Clients) Config(ctx context.Context) (aws.Config, error) {
	c.once.Do(func() { c.cfg, c.err = c.load(ctx) })
	return c.cfg, c.err
}

func (c *Clients) load(ctx context.Context) (aws.Config, error) {
	s := c.settings
	timeout := s.requestTimeout()
	opts := []func(*config.LoadOptions) error{
		config.WithAPIOptions([]func(*middleware.Stack) error{logCalls, c.boundCalls}),
		// The limit of each attempt, from dialling to the last byte of the answer.
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(timeout)),
		// The SDK runs credential sources under a context that ignores cancellation, so a credential_process
		// must be stopped by its own limit (the SDK's default is a minute).
		config.WithProcessCredentialOptions(func(o *processcreds.Options) { o.Timeout = timeout }),
	}
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	if s.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.Profile))
	}
	if s.AccessKey != "" || s.SecretKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, s.Token)))
	}
	if s.MaxRetries > 0 {
		opts = append(opts, config.WithRetryMaxAttempts(s.MaxRetries+1))
	}
	// The configuration outlives this call: don't let a request's cancellation poison it, but do bound
	// the load (it may read a profile's settings from a slow source).
	loadCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(loadCtx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration (aws block, environment, shared config files): %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if s.AssumeRoleARN != "" {
		stsClient := sts.NewFromConfig(cfg, c.stsOptions)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, s.AssumeRoleARN, func(o *stscreds.AssumeRoleOptions) {
			if s.AssumeRoleSessionName != "" {
				o.RoleSessionName = s.AssumeRoleSessionName
			} else {
				o.RoleSessionName = "terraform-provider-ica"
			}
			if s.AssumeRoleExternalID != "" {
				o.ExternalID = aws.String(s.AssumeRoleExternalID)
			}
		}))
	}
	if cfg.Credentials != nil {
		cfg.Credentials = aws.NewCredentialsCache(boundedCredentials{inner: cfg.Credentials, timeout: timeout})
	}
	return cfg, nil
}

func (c *Clients) stsOptions(o *sts.Options) {
	if c.settings.EndpointSTS != "" {
		o.BaseEndpoint = aws.String(c.settings.EndpointSTS)
	}
}

// S3 returns the S3 client for region ("" = the configured region).
func (c *Clients) S3(ctx context.Context, region string) (*s3.Client, error) {
	cfg, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	if region == "" {
		region = cfg.Region
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.s3[region]; ok {
		return cl, nil
	}
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.Region = region
		if c.settings.EndpointS3 != "" {
			o.BaseEndpoint = aws.String(c.settings.EndpointS3)
		}
		o.UsePathStyle = c.settings.S3UsePathStyle
	})
	c.s3[region] = cl
	return cl, nil
}

// IAM returns the IAM client.
func (c *Clients) IAM(ctx context.Context) (*iam.Client, error) {
	cfg, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.iam == nil {
		c.iam = iam.NewFromConfig(cfg, func(o *iam.Options) {
			if c.settings.EndpointIAM != "" {
				o.BaseEndpoint = aws.String(c.settings.EndpointIAM)
			}
		})
	}
	return c.iam, nil
}

// STS returns the STS client of the provider's own credentials.
func (c *Clients) STS(ctx context.Context) (*sts.Client, error) {
	cfg, err := c.Config(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sts == nil {
		c.sts = sts.NewFromConfig(cfg, c.stsOptions)
	}
	return c.sts, nil
}

// logCalls logs every HTTP attempt of every AWS operation: service, operation, region, status and
// duration. Request and response bodies and headers (which carry signatures) are never logged.
func logCalls(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("icaTFLogCalls",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleDeserialize(ctx, in)
			fields := map[string]any{
				"aws_service":   awsmiddleware.GetServiceID(ctx),
				"aws_operation": awsmiddleware.GetOperationName(ctx),
				"aws_region":    awsmiddleware.GetRegion(ctx),
				"duration_ms":   time.Since(start).Milliseconds(),
			}
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp != nil {
				fields["http_status"] = resp.StatusCode
			}
			if err != nil {
				fields["error"] = err.Error()
			}
			tflog.Debug(ctx, "AWS call", fields)
			return out, md, err
		}), middleware.After)
}

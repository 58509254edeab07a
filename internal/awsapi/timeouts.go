package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/ica-tf/terraform-provider-ica/internal/connection"
)

// DefaultRequestTimeout bounds each AWS request attempt. S3 and IAM control-plane calls answer in well
// under a second when healthy; with the SDK's 3 attempts a stalled call costs at most 3 × 30s + the
// backoff (at most 6s), well within two minutes.
const DefaultRequestTimeout = 30 * time.Second

// ErrNoAnswer is wrapped by the error of every AWS call that got no answer within the request timeout,
// and of every later call to the same endpoint, which is then not sent. It is the converger's own
// sentinel, so its waiting loops stop at a stalled endpoint.
var ErrNoAnswer = connection.ErrNoAnswer

// nonIdempotent are the writes that, repeated after a lost answer, would make a second object. They are
// not retried after a timeout: the converger finds what the first attempt made on the next apply
// (leftover keys are resolved, our user and policy are adopted by their ownership tag).
var nonIdempotent = map[string]bool{
	"CreateAccessKey":     true,
	"CreateUser":          true,
	"CreatePolicy":        true,
	"CreatePolicyVersion": true,
}

// NoAnswerError is an AWS call that got no answer within the request timeout, or one that was not sent
// because an earlier call to the same endpoint got none.
type NoAnswerError struct {
	Service   string // "IAM", "S3", "STS"
	Endpoint  string // scheme://host
	Operation string // of the call that stalled
	Timeout   time.Duration
	Attempts  int
	// MayExist is set for a write that may have taken effect although its answer was lost.
	MayExist bool
	// Skipped names the operation that was not sent because this earlier call stalled.
	Skipped string
}

func (e *NoAnswerError) Error() string {
	var what string
	if e.Skipped != "" {
		what = fmt.Sprintf("%s at %s did not answer %s within %s earlier in this run, so %s was not sent",
			e.Service, e.Endpoint, e.Operation, e.Timeout, e.Skipped)
	} else {
		what = fmt.Sprintf("%s at %s did not answer %s within %s", e.Service, e.Endpoint, e.Operation, e.Timeout)
		if e.Attempts > 1 {
			what += fmt.Sprintf(" (%d attempts)", e.Attempts)
		}
	}
	what += fmt.Sprintf(": check the endpoint (aws { endpoints }, AWS_ENDPOINT_URL), the proxy settings (HTTPS_PROXY, "+
		"NO_PROXY), that a VPC endpoint for %s lets this machine through, or raise aws { request_timeout } if AWS is only slow",
		e.Service)
	if e.MayExist {
		what += "; the call may have taken effect: the next apply finds what it made"
	}
	return what
}

func (e *NoAnswerError) Unwrap() error { return ErrNoAnswer }

// call is what the attempts of one AWS operation learned, for the error of the whole call.
type call struct {
	service, operation, endpoint string
	bucket                       string // of an S3 call: virtual-hosted requests carry it in the host
	attempts                     int
	timedOut                     bool // the last attempt got no answer in time
	skipped                      *NoAnswerError
}

type callKey struct{}

// boundCalls adds the two middlewares that give every AWS call its time limit semantics: each attempt
// fails fast when its endpoint stalled before, and a write that timed out is not retried; the call's
// error then says which endpoint did not answer within how long, and marks the endpoint as stalled.
func (c *Clients) boundCalls(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("icaBoundCall",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			info := &call{bucket: bucketOf(in.Parameters)}
			out, md, err := next.HandleInitialize(middleware.WithStackValue(ctx, callKey{}, info), in)
			if err == nil || ctx.Err() != nil {
				return out, md, err
			}
			if info.skipped != nil {
				return out, md, info.skipped
			}
			if info.timedOut {
				return out, md, c.stall(info)
			}
			return out, md, err
		}), middleware.Before); err != nil {
		return err
	}
	// After signing, so the endpoint is resolved; inside the retry loop, so it sees each attempt.
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("icaBoundAttempt",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			info, _ := middleware.GetStackValue(ctx, callKey{}).(*call)
			if info == nil {
				return next.HandleFinalize(ctx, in)
			}
			info.service, info.operation = awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				info.endpoint = req.URL.Scheme + "://" + req.URL.Host
			}
			if earlier := c.stalledBefore(info); earlier != nil {
				info.skipped = earlier
				return middleware.FinalizeOutput{}, middleware.Metadata{}, noRetry{earlier}
			}
			info.attempts++
			out, md, err := next.HandleFinalize(ctx, in)
			var netErr net.Error
			info.timedOut = err != nil && ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout()
			if info.timedOut && nonIdempotent[info.operation] {
				err = noRetry{err}
			}
			return out, md, err
		}), middleware.After)
}

// stallKey names the endpoint of a call. A virtual-hosted S3 request goes to BUCKET.s3.REGION.amazonaws.com:
// the bucket's label is left out, so one stalled S3 endpoint is one endpoint for every bucket.
func stallKey(info *call) string {
	endpoint := info.endpoint
	if info.bucket != "" {
		scheme, host, _ := strings.Cut(endpoint, "://")
		endpoint = scheme + "://" + strings.TrimPrefix(host, info.bucket+".")
	}
	return info.service + " " + endpoint
}

// bucketOf is the Bucket field of an S3 operation's input, "" for other inputs.
func bucketOf(input any) string {
	v := reflect.ValueOf(input)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	f := v.Elem().FieldByName("Bucket")
	if !f.IsValid() || !f.CanInterface() {
		return ""
	}
	if b, ok := f.Interface().(*string); ok && b != nil {
		return *b
	}
	return ""
}

// stall remembers the endpoint as stalled and returns the call's error.
func (c *Clients) stall(info *call) error {
	e := &NoAnswerError{
		Service: info.service, Endpoint: info.endpoint, Operation: info.operation,
		Timeout: c.settings.requestTimeout(), Attempts: info.attempts, MayExist: nonIdempotent[info.operation],
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.stalled[stallKey(info)]; !ok {
		c.stalled[stallKey(info)] = e
	}
	return e
}

// stalledBefore returns the error for an attempt at an endpoint that stalled earlier in this process.
func (c *Clients) stalledBefore(info *call) *NoAnswerError {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.stalled[stallKey(info)]
	if !ok {
		return nil
	}
	earlier := *e
	earlier.MayExist, earlier.Skipped = false, info.operation
	return &earlier
}

// noRetry keeps the SDK's retryer from repeating an attempt.
type noRetry struct{ error }

func (noRetry) RetryableError() bool { return false }
func (e noRetry) Unwrap() error      { return e.error }

// boundedCredentials limits the wait for credentials (credential_process, SSO, IMDS, assume_role): the
// SDK fetches them under the caller's context, which has no deadline in Terraform. The fetch itself
// may go on in the background (the SDK's cache detaches it from cancellation); later calls wait for
// that same fetch, again for at most the limit.
type boundedCredentials struct {
	inner   aws.CredentialsProvider
	timeout time.Duration
}

func (b boundedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	start := time.Now()
	limited, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	creds, err := b.inner.Retrieve(limited)
	// The limit ran out here, or in the source itself (a credential_process has its own, equal one).
	if err != nil && ctx.Err() == nil && time.Since(start) >= b.timeout {
		return creds, fmt.Errorf("fetching AWS credentials did not finish within %s (credential_process, SSO, instance "+
			"metadata or assume_role): check that source, or raise aws { request_timeout }: %w", b.timeout, err)
	}
	return creds, err
}

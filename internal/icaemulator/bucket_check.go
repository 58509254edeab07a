package icaemulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// bucketCheckTimeout bounds one validation's S3 calls.
const bucketCheckTimeout = 30 * time.Second

// startValidation puts c back to INITIALIZING and settles it after ValidationDelay. Callers hold e.mu.
func (e *Emulator) startValidation(c *storageConfig) {
	c.generation++
	c.status, c.errorMessage = statusInitializing, nil
	c.touch()
	if e.closed {
		return
	}
	gen, id := c.generation, c.id
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.settle(id, gen)
	}()
}

// bucketCheck is what one validation needs, copied out of the store so S3 is called without the lock.
type bucketCheck struct {
	bucket, prefix         string
	regionName, awsRegion  string
	accessKeyID, secretKey string
	credentialID           string
	credentialExists       bool
}

func (e *Emulator) settle(id string, gen int) {
	t := time.NewTimer(e.opts.ValidationDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-e.ctx.Done():
		return
	}

	e.mu.Lock()
	c := e.findConfig(id)
	if c == nil || c.generation != gen {
		e.mu.Unlock()
		return
	}
	check := bucketCheck{bucket: c.bucket, regionName: c.region.name, awsRegion: c.region.awsRegion, credentialID: c.credentialID}
	if c.keyPrefix != nil {
		check.prefix = *c.keyPrefix
	}
	if cred := e.findCredential(c.credentialID); cred != nil {
		check.credentialExists = true
		check.accessKeyID, check.secretKey = cred.accessKeyID, cred.secretAccessKey
	}
	e.mu.Unlock()

	status, msg := e.checkBucket(check)
	if e.ctx.Err() != nil {
		return
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.findConfig(id); c != nil && c.generation == gen {
		c.status, c.errorMessage = status, nil
		if msg != "" {
			if len(msg) > errorMessageMaxSize {
				msg = msg[:errorMessageMaxSize]
			}
			c.errorMessage = &msg
		}
		c.touch()
	}
}

// checkBucket decides the validation result: without an AWS endpoint only the credential must exist;
// with one, the stored key must be able to locate the bucket (in the ICA region's AWS region) and list
// under the prefix.
func (e *Emulator) checkBucket(c bucketCheck) (status, message string) {
	if !c.credentialExists {
		return statusError, credentialGoneMessage(c.credentialID)
	}
	if e.opts.AWSEndpoint == "" {
		return statusOK, ""
	}
	ctx, cancel := context.WithTimeout(e.ctx, bucketCheckTimeout)
	defer cancel()
	client := s3.New(s3.Options{
		HTTPClient:       e.s3HTTP,
		Region:           e.opts.AWSRegion,
		BaseEndpoint:     aws.String(e.opts.AWSEndpoint),
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(c.accessKeyID, c.secretKey, ""),
		RetryMaxAttempts: 1,
	})
	loc, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(c.bucket)})
	if err != nil {
		return statusError, describeS3Error(c.bucket, "locating", err)
	}
	bucketRegion := string(loc.LocationConstraint)
	switch bucketRegion {
	case "":
		bucketRegion = "us-east-1"
	case "EU":
		bucketRegion = "eu-west-1"
	}
	if c.awsRegion != "" && bucketRegion != c.awsRegion {
		return statusError, fmt.Sprintf("Bucket %s is in AWS region %s, but ICA region %s stores data in %s. Use a bucket in %s or the ICA region that matches %s.",
			c.bucket, bucketRegion, c.regionName, c.awsRegion, c.awsRegion, bucketRegion)
	}
	_, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  aws.String(c.bucket),
		Prefix:  aws.String(c.prefix),
		MaxKeys: aws.Int32(1),
	}, func(o *s3.Options) { o.Region = bucketRegion })
	if err != nil {
		return statusError, describeS3Error(c.bucket, "listing objects in", err)
	}
	return statusOK, ""
}

// describeS3Error turns an S3 failure into the kind of errorMessage ICA shows. S3 error messages never
// contain the secret key.
func describeS3Error(bucket, action string, err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchBucket":
			return fmt.Sprintf("Bucket %s does not exist.", bucket)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "InvalidToken", "ExpiredToken":
			return fmt.Sprintf("Access denied for bucket %s: %s: %s. Check that the storage credential's key is active and its policy allows this bucket.",
				bucket, apiErr.ErrorCode(), apiErr.ErrorMessage())
		}
		return fmt.Sprintf("Checking bucket %s failed while %s it: %s: %s.", bucket, action, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return fmt.Sprintf("Could not reach S3 to check bucket %s: %v.", bucket, err)
	}
	return fmt.Sprintf("Checking bucket %s failed while %s it: %v.", bucket, action, err)
}

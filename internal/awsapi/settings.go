package awsapi

import "time"

// Settings is the provider's `aws` block, already merged with nothing: empty fields mean "use the
// standard AWS chain" (environment, shared config, AWS_ENDPOINT_URL[_<SERVICE>]).
type Settings struct {
	Region    string
	Profile   string
	AccessKey string
	SecretKey string
	Token     string

	AssumeRoleARN         string
	AssumeRoleSessionName string
	AssumeRoleExternalID  string

	EndpointS3  string
	EndpointIAM string
	EndpointSTS string

	S3UsePathStyle bool

	// MaxRetries bounds the SDK retryer; 0 means the SDK default.
	MaxRetries int

	// RequestTimeout bounds each request attempt and each fetch of credentials; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
}

func (s Settings) requestTimeout() time.Duration {
	if s.RequestTimeout > 0 {
		return s.RequestTimeout
	}
	return DefaultRequestTimeout
}

package awsproxy

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// s3BucketSubresources maps a bucket sub-resource query key to the operation name after the Get/Put/Delete
// verb. Most are "Bucket"+Name; a few AWS names drop "Bucket".
var s3BucketSubresources = map[string]string{
	"accelerate":          "BucketAccelerateConfiguration",
	"acl":                 "BucketAcl",
	"analytics":           "BucketAnalyticsConfiguration",
	"cors":                "BucketCors",
	"encryption":          "BucketEncryption",
	"intelligent-tiering": "BucketIntelligentTieringConfiguration",
	"inventory":           "BucketInventoryConfiguration",
	"lifecycle":           "BucketLifecycleConfiguration",
	"location":            "BucketLocation",
	"logging":             "BucketLogging",
	"metrics":             "BucketMetricsConfiguration",
	"notification":        "BucketNotificationConfiguration",
	"object-lock":         "ObjectLockConfiguration",
	"ownershipControls":   "BucketOwnershipControls",
	"policy":              "BucketPolicy",
	"policyStatus":        "BucketPolicyStatus",
	"publicAccessBlock":   "PublicAccessBlock",
	"replication":         "BucketReplication",
	"requestPayment":      "BucketRequestPayment",
	"tagging":             "BucketTagging",
	"versioning":          "BucketVersioning",
	"website":             "BucketWebsite",
}

// s3ObjectSubresources is the same for object sub-resources.
var s3ObjectSubresources = map[string]string{
	"acl":        "ObjectAcl",
	"attributes": "ObjectAttributes",
	"legal-hold": "ObjectLegalHold",
	"retention":  "ObjectRetention",
	"tagging":    "ObjectTagging",
}

var s3Verbs = map[string]string{
	http.MethodGet:    "Get",
	http.MethodPut:    "Put",
	http.MethodDelete: "Delete",
}

// s3Operation names a path-style S3 request: /BUCKET[/KEY][?sub-resource].
func s3Operation(r *http.Request) string {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	q := r.URL.Query()
	method := r.Method

	if bucket == "" {
		if method == http.MethodGet {
			return "ListBuckets"
		}
		return unknown
	}

	if key == "" {
		switch {
		case method == http.MethodPost && q.Has("delete"):
			return "DeleteObjects"
		case method == http.MethodGet && q.Has("uploads"):
			return "ListMultipartUploads"
		case method == http.MethodGet && q.Has("versions"):
			return "ListObjectVersions"
		}
		if name, ok := subresource(q, s3BucketSubresources); ok {
			if verb, ok := s3Verbs[method]; ok {
				return verb + name
			}
			return unknown
		}
		switch method {
		case http.MethodHead:
			return "HeadBucket"
		case http.MethodGet:
			if q.Get("list-type") == "2" {
				return "ListObjectsV2"
			}
			return "ListObjects"
		case http.MethodPut:
			return "CreateBucket"
		case http.MethodDelete:
			return "DeleteBucket"
		case http.MethodPost:
			return "PostObject"
		}
		return unknown
	}

	switch {
	case method == http.MethodPost && q.Has("uploads"):
		return "CreateMultipartUpload"
	case method == http.MethodPost && q.Has("uploadId"):
		return "CompleteMultipartUpload"
	case method == http.MethodPut && q.Has("uploadId") && r.Header.Get("X-Amz-Copy-Source") != "":
		return "UploadPartCopy"
	case method == http.MethodPut && q.Has("uploadId"):
		return "UploadPart"
	case method == http.MethodDelete && q.Has("uploadId"):
		return "AbortMultipartUpload"
	case method == http.MethodGet && q.Has("uploadId"):
		return "ListParts"
	case method == http.MethodPost && q.Has("restore"):
		return "RestoreObject"
	}
	if name, ok := subresource(q, s3ObjectSubresources); ok {
		if verb, ok := s3Verbs[method]; ok {
			return verb + name
		}
		return unknown
	}
	switch method {
	case http.MethodGet:
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		if r.Header.Get("X-Amz-Copy-Source") != "" {
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodDelete:
		return "DeleteObject"
	}
	return unknown
}

// subresource returns the operation suffix of the first known sub-resource key, in key order so that a
// request naming two (which S3 does not define) is still named the same way every time.
func subresource(q url.Values, known map[string]string) (string, bool) {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if name, ok := known[k]; ok {
			return name, true
		}
	}
	return "", false
}

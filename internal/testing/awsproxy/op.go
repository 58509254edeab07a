package awsproxy

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Op is one AWS operation: the service as it appears in the SigV4 credential scope and the API operation name.
type Op struct {
	Service   string // "s3", "iam", "sts", ...; "unknown" when the request does not say
	Operation string // "GetBucketCors", "CreateAccessKey", ...; "unknown" when it cannot be told
	// AccessKeyID signed the request (from the SigV4 Credential=); "" when unsigned. Not part of String.
	AccessKeyID string
}

// String is the key used in Counts: "service:Operation".
func (o Op) String() string { return o.Service + ":" + o.Operation }

// Write reports whether the operation changes state. Reads are the Get, List, Head and Describe operations.
func (o Op) Write() bool { return IsWrite(o.Operation) }

// IsWrite reports whether an operation name is a write (see Op.Write).
func IsWrite(operation string) bool {
	for _, p := range []string{"Get", "List", "Head", "Describe"} {
		if strings.HasPrefix(operation, p) {
			return false
		}
	}
	return true
}

const unknown = "unknown"

// credentialScope matches ".../<date>/<region>/<service>/aws4_request" in a SigV4 credential.
var credentialScope = regexp.MustCompile(`/\d{8}/[^/]+/([^/]+)/aws4_request`)

// queryAPIVersions names the service of an unsigned query-protocol request.
var queryAPIVersions = map[string]string{
	"2010-05-08": "iam",
	"2011-06-15": "sts",
}

// Classify names the AWS operation of a request. body is the request body when it is form-encoded (the
// query protocol of IAM and STS), nil otherwise; the request's own body is not read.
func Classify(r *http.Request, body []byte) Op {
	service := serviceOf(r)
	var form url.Values
	if body != nil {
		form, _ = url.ParseQuery(string(body))
	}
	if service == "" && form != nil {
		service = queryAPIVersions[form.Get("Version")]
	}
	if service == "" {
		service = queryAPIVersions[r.URL.Query().Get("Version")]
	}
	if service == "" {
		service = unknown
	}

	if service == "s3" {
		return Op{Service: service, Operation: s3Operation(r)}
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		if i := strings.LastIndexByte(target, '.'); i >= 0 && i < len(target)-1 {
			return Op{Service: service, Operation: target[i+1:]}
		}
	}
	if form != nil && form.Get("Action") != "" {
		return Op{Service: service, Operation: form.Get("Action")}
	}
	if action := r.URL.Query().Get("Action"); action != "" {
		return Op{Service: service, Operation: action}
	}
	return Op{Service: service, Operation: unknown}
}

func serviceOf(r *http.Request) string {
	cred := r.Header.Get("Authorization")
	if cred == "" {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	if m := credentialScope.FindStringSubmatch(cred); m != nil {
		return m[1]
	}
	return ""
}

// credentialKey matches the access key id at the start of a SigV4 credential: "Credential=AKID/20250101/...".
var credentialKey = regexp.MustCompile(`Credential=([^/,\s]+)/`)

// AccessKeyIDOf returns the access key id that signed r (Authorization header, or X-Amz-Credential of a
// presigned URL); "" when unsigned.
func AccessKeyIDOf(r *http.Request) string {
	if m := credentialKey.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		key, _, _ := strings.Cut(c, "/")
		return key
	}
	return ""
}

// isForm reports whether the request body is a query-protocol form, the only body Classify needs.
func isForm(r *http.Request) bool {
	return strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/x-www-form-urlencoded")
}

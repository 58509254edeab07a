// Package policy builds the two AWS documents ICA needs for a bucket: the IAM policy of the user whose
// key ICA holds, and the bucket CORS rule for browser uploads. It is pure (no I/O) so the resource and
// the ica_s3_policy_document data source produce byte-identical output from one source of truth.
package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Version is the IAM policy language version every document here uses.
const Version = "2012-10-17"

// Actions from ica-api.md §5. The order is the documented one, so a generated policy reads like the
// help page's.
var (
	bucketActions          = []string{"s3:PutBucketNotification", "s3:ListBucket", "s3:GetBucketNotification", "s3:GetBucketLocation"}
	bucketVersionActions   = []string{"s3:ListBucketVersions", "s3:GetBucketVersioning"}
	objectActions          = []string{"s3:PutObject", "s3:GetObject", "s3:RestoreObject", "s3:DeleteObject"}
	objectVersionActions   = []string{"s3:GetObjectVersion", "s3:DeleteObjectVersion"}
	federationActions      = []string{"sts:GetFederationToken"}
	kmsActions             = []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
	federationResource     = "*"
	s3ARNPrefix            = "arn:aws:s3:::"
	versionMarkerActionLow = "s3:getobjectversion"
)

// Options describe one connection's policy.
type Options struct {
	Bucket string
	// Prefix is normalised ("folder/" or "" for the whole bucket; see naming.NormalizePrefix).
	Prefix    string
	KMSKeyARN string
	// Versioned is true for buckets whose versioning is Enabled or Suspended.
	Versioned bool
}

// Document is an IAM policy document as this package writes it.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one Allow statement. Resource is written as a plain string when there is one, like the
// documented policy.
type Statement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource Strings  `json:"Resource"`
}

// Strings marshals a single value as a JSON string and several as a list.
type Strings []string

func (s Strings) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]string(s))
}

// BucketARN is the ARN of a bucket.
func BucketARN(bucket string) string { return s3ARNPrefix + bucket }

// ObjectsARN is the ARN pattern of the objects ICA may use: BUCKET/PREFIX* (PREFIX normalised).
func ObjectsARN(bucket, prefix string) string { return s3ARNPrefix + bucket + "/" + prefix + "*" }

// Build returns the policy for o. With no prefix, no versioning and no KMS key it is exactly the
// documented three statements.
func Build(o Options) Document {
	bucket := append([]string{}, bucketActions...)
	objects := append([]string{}, objectActions...)
	if o.Versioned {
		bucket = append(bucket, bucketVersionActions...)
		objects = append(objects, objectVersionActions...)
	}
	d := Document{Version: Version, Statement: []Statement{
		{Effect: "Allow", Action: bucket, Resource: Strings{BucketARN(o.Bucket)}},
		{Effect: "Allow", Action: objects, Resource: Strings{ObjectsARN(o.Bucket, o.Prefix)}},
		{Effect: "Allow", Action: append([]string{}, federationActions...), Resource: Strings{federationResource}},
	}}
	if o.KMSKeyARN != "" {
		d.Statement = append(d.Statement, Statement{Effect: "Allow", Action: append([]string{}, kmsActions...), Resource: Strings{o.KMSKeyARN}})
	}
	return d
}

// JSON renders d deterministically (indented, fixed key order).
func (d Document) JSON() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		// Document holds only strings: encoding cannot fail.
		panic(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// Decode returns the JSON text of a policy document as IAM returns it: AWS URL-encodes documents
// (RFC 3986), moto does not. Text that already starts with "{" is returned unchanged.
func Decode(doc string) (string, error) {
	t := strings.TrimSpace(doc)
	if strings.HasPrefix(t, "{") {
		return t, nil
	}
	// PathUnescape, not QueryUnescape: a literal "+" must stay "+".
	u, err := url.PathUnescape(t)
	if err != nil {
		return "", fmt.Errorf("policy document is neither JSON nor URL-encoded JSON: %w", err)
	}
	return strings.TrimSpace(u), nil
}

// canonical is a policy reduced to its meaning: statements without Sid, each value list sorted and
// de-duplicated, actions lower-cased (IAM action names are case-insensitive), statements sorted.
type canonical struct {
	Version    string
	Statements []string
}

func canonicalize(doc string) (canonical, error) {
	text, err := Decode(doc)
	if err != nil {
		return canonical{}, err
	}
	var raw struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return canonical{}, fmt.Errorf("policy document is not valid JSON: %w", err)
	}
	var stmts []map[string]any
	if len(raw.Statement) > 0 {
		t := bytes.TrimSpace(raw.Statement)
		if len(t) > 0 && t[0] == '{' {
			var one map[string]any
			if err := unmarshalNumber(t, &one); err != nil {
				return canonical{}, fmt.Errorf("policy statement is not a JSON object: %w", err)
			}
			stmts = []map[string]any{one}
		} else if err := unmarshalNumber(t, &stmts); err != nil {
			return canonical{}, fmt.Errorf("policy Statement is neither an object nor a list of objects: %w", err)
		}
	}
	c := canonical{Version: raw.Version}
	for _, s := range stmts {
		norm := map[string]any{}
		for k, v := range s {
			switch k {
			case "Sid":
				continue
			case "Action", "NotAction":
				norm[k] = stringSet(v, true)
			default:
				norm[k] = normalizeValue(v)
			}
		}
		b, err := json.Marshal(norm)
		if err != nil {
			return canonical{}, err
		}
		c.Statements = append(c.Statements, string(b))
	}
	sort.Strings(c.Statements)
	c.Statements = dedupe(c.Statements)
	return c, nil
}

func unmarshalNumber(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// normalizeValue turns every string-or-list into a sorted set, recursively (Resource, Principal,
// Condition operands), so ["a"] and "a" compare equal.
func normalizeValue(v any) any {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		allStrings := true
		for _, e := range t {
			if _, ok := e.(string); !ok {
				allStrings = false
				break
			}
		}
		if allStrings {
			return stringSet(t, false)
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalizeValue(e)
		}
		return out
	case json.Number:
		return []string{t.String()}
	case bool:
		return []string{fmt.Sprint(t)}
	default:
		return t
	}
}

func stringSet(v any, lower bool) []string {
	var out []string
	add := func(s string) {
		if lower {
			s = strings.ToLower(s)
		}
		out = append(out, s)
	}
	switch t := v.(type) {
	case string:
		add(t)
	case []any:
		for _, e := range t {
			add(fmt.Sprint(e))
		}
	case []string:
		for _, e := range t {
			add(e)
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func dedupe(s []string) []string {
	if len(s) < 2 {
		return s
	}
	out := s[:1]
	for _, e := range s[1:] {
		if e != out[len(out)-1] {
			out = append(out, e)
		}
	}
	return out
}

// Equivalent reports whether two policy documents mean the same: statement order, Sid, a single value
// versus a one-element list, action order and case, and URL encoding do not matter.
func Equivalent(a, b string) (bool, error) {
	ca, err := canonicalize(a)
	if err != nil {
		return false, err
	}
	cb, err := canonicalize(b)
	if err != nil {
		return false, err
	}
	if ca.Version != cb.Version || len(ca.Statements) != len(cb.Statements) {
		return false, nil
	}
	for i := range ca.Statements {
		if ca.Statements[i] != cb.Statements[i] {
			return false, nil
		}
	}
	return true, nil
}

// Discovered is what a policy reveals about the connection it was written for (used by import).
type Discovered struct {
	Prefix    string
	KMSKeyARN string
	Versioned bool
}

// Discover reads a policy (JSON or URL-encoded) and reports whether it grants ICA's object actions on
// bucket, and if so the prefix its object statement is scoped to, the KMS key it allows and whether it
// carries the version actions.
func Discover(doc, bucket string) (Discovered, bool, error) {
	text, err := Decode(doc)
	if err != nil {
		return Discovered{}, false, err
	}
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return Discovered{}, false, fmt.Errorf("policy document is not valid JSON: %w", err)
	}
	var stmts []map[string]any
	t := bytes.TrimSpace(raw.Statement)
	if len(t) > 0 && t[0] == '{' {
		var one map[string]any
		if err := json.Unmarshal(t, &one); err != nil {
			return Discovered{}, false, err
		}
		stmts = append(stmts, one)
	} else if len(t) > 0 {
		if err := json.Unmarshal(t, &stmts); err != nil {
			return Discovered{}, false, err
		}
	}
	var d Discovered
	found := false
	objectsPrefix := s3ARNPrefix + bucket + "/"
	for _, s := range stmts {
		if effect, _ := s["Effect"].(string); effect != "Allow" {
			continue
		}
		actions := stringSet(s["Action"], true)
		resources := stringSet(s["Resource"], false)
		if contains(actions, "s3:getobject") {
			for _, r := range resources {
				if strings.HasPrefix(r, objectsPrefix) && strings.HasSuffix(r, "*") {
					d.Prefix = strings.TrimSuffix(strings.TrimPrefix(r, objectsPrefix), "*")
					found = true
				}
			}
			if contains(actions, versionMarkerActionLow) {
				d.Versioned = true
			}
		}
		if contains(actions, "kms:decrypt") && len(resources) == 1 && strings.HasPrefix(resources[0], "arn:") {
			d.KMSKeyARN = resources[0]
		}
	}
	return d, found, nil
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

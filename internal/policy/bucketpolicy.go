package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	awspolicy "github.com/hashicorp/awspolicyequivalence"
)

// The object actions ICA's cross-account copy/move role needs on the connected folder (ICA's storage
// help page), and the version actions a versioned bucket adds.
var (
	copyMoveActions        = []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"}
	copyMoveVersionActions = []string{"s3:GetObjectVersion", "s3:DeleteObjectVersion"}
)

// CopyMoveSidPrefix starts the Sid of every bucket-policy statement this provider writes, so a reader of
// the bucket policy sees whose statement it is.
const CopyMoveSidPrefix = "IcaTfCopyMove"

// CopyMoveSid is the Sid of a connection's statement, derived from its IAM user name (unique per
// connection, like the CORS rule ID), so import and an interrupted create find the same statement.
// Sids allow only letters and digits, hence the hash.
func CopyMoveSid(iamUserName string) string {
	sum := sha256.Sum256([]byte(iamUserName))
	return CopyMoveSidPrefix + hex.EncodeToString(sum[:8])
}

// CopyMoveOptions describe the bucket-policy statement of one connection.
type CopyMoveOptions struct {
	Sid     string
	RoleARN string
	Bucket  string
	// Prefix is normalised ("folder/" or "").
	Prefix    string
	Versioned bool
}

// BucketStatement is one statement of a bucket policy: Allow for one AWS principal.
type BucketStatement struct {
	Sid       string    `json:"Sid"`
	Effect    string    `json:"Effect"`
	Principal Principal `json:"Principal"`
	Action    []string  `json:"Action"`
	Resource  Strings   `json:"Resource"`
}

// Principal is the AWS principal of a statement.
type Principal struct {
	AWS string `json:"AWS"`
}

// CopyMoveStatement returns the statement granting ICA's copy/move role the object actions on
// BUCKET/PREFIX*.
func CopyMoveStatement(o CopyMoveOptions) BucketStatement {
	actions := append([]string{}, copyMoveActions...)
	if o.Versioned {
		actions = append(actions, copyMoveVersionActions...)
	}
	return BucketStatement{
		Sid: o.Sid, Effect: "Allow", Principal: Principal{AWS: o.RoleARN},
		Action: actions, Resource: Strings{ObjectsARN(o.Bucket, o.Prefix)},
	}
}

// JSON renders the statement alone (compact, fixed key order).
func (s BucketStatement) JSON() string { return string(marshal(s, "")) }

// DocumentJSON renders a bucket policy holding only this statement (indented), the form
// ica_s3_policy_document's bucket_policy_json offers.
func (s BucketStatement) DocumentJSON() string {
	return string(marshal(struct {
		Version   string            `json:"Version"`
		Statement []BucketStatement `json:"Statement"`
	}{Version, []BucketStatement{s}}, "  "))
}

func marshal(v any, indent string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		// Only strings and raw JSON that was decoded before: encoding cannot fail.
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// BucketPolicy is a bucket policy split into its statements, each kept as the JSON it was read as, so
// that statements of others are written back exactly (key order and spelling included).
type BucketPolicy struct {
	Version    string
	ID         string
	Statements []json.RawMessage
}

// ParseBucketPolicy reads a bucket policy as GetBucketPolicy returns it (JSON, or URL-encoded JSON).
// "" (no policy) is an empty policy.
func ParseBucketPolicy(doc string) (BucketPolicy, error) {
	if strings.TrimSpace(doc) == "" {
		return BucketPolicy{Version: Version}, nil
	}
	text, err := Decode(doc)
	if err != nil {
		return BucketPolicy{}, err
	}
	var raw struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return BucketPolicy{}, fmt.Errorf("bucket policy is not valid JSON: %w", err)
	}
	p := BucketPolicy{Version: raw.Version, ID: raw.ID}
	t := bytes.TrimSpace(raw.Statement)
	switch {
	case len(t) == 0 || bytes.Equal(t, []byte("null")):
	case t[0] == '{':
		p.Statements = []json.RawMessage{t}
	default:
		if err := json.Unmarshal(t, &p.Statements); err != nil {
			return BucketPolicy{}, fmt.Errorf("bucket policy Statement is neither an object nor a list of objects: %w", err)
		}
	}
	for i, s := range p.Statements {
		if _, err := sidOf(s); err != nil {
			return BucketPolicy{}, fmt.Errorf("bucket policy statement %d: %w", i+1, err)
		}
	}
	return p, nil
}

func sidOf(stmt json.RawMessage) (string, error) {
	var s struct {
		Sid any `json:"Sid"`
	}
	if err := json.Unmarshal(stmt, &s); err != nil {
		return "", fmt.Errorf("not a JSON object: %w", err)
	}
	sid, _ := s.Sid.(string)
	return sid, nil
}

// JSON renders the policy: Version, Id (when set) and the statements, each exactly as read.
func (p BucketPolicy) JSON() string {
	doc := struct {
		Version   string            `json:"Version,omitempty"`
		ID        string            `json:"Id,omitempty"`
		Statement []json.RawMessage `json:"Statement"`
	}{p.Version, p.ID, p.Statements}
	if doc.Statement == nil {
		doc.Statement = []json.RawMessage{}
	}
	return string(marshal(doc, ""))
}

// Find returns the index of the statement with sid, or -1.
func (p BucketPolicy) Find(sid string) int {
	for i, s := range p.Statements {
		if got, _ := sidOf(s); got == sid {
			return i
		}
	}
	return -1
}

// Put returns p with want in place of the statement with want's Sid (or appended), and whether
// anything changed: a statement that already means want is left as it is.
func (p BucketPolicy) Put(want BucketStatement) (BucketPolicy, bool) {
	out := p.clone()
	if out.Version == "" {
		out.Version = Version
	}
	raw := json.RawMessage(want.JSON())
	i := out.Find(want.Sid)
	if i < 0 {
		out.Statements = append(out.Statements, raw)
		return out, true
	}
	if StatementMatches(out.Statements[i], want) {
		return p, false
	}
	out.Statements[i] = raw
	return out, true
}

// Remove returns p without the statement with sid, and whether it was there.
func (p BucketPolicy) Remove(sid string) (BucketPolicy, bool) {
	i := p.Find(sid)
	if i < 0 {
		return p, false
	}
	out := p.clone()
	out.Statements = append(out.Statements[:i:i], out.Statements[i+1:]...)
	return out, true
}

// Empty reports whether the policy has no statement left (then the bucket policy is deleted instead).
func (p BucketPolicy) Empty() bool { return len(p.Statements) == 0 }

func (p BucketPolicy) clone() BucketPolicy {
	p.Statements = append([]json.RawMessage(nil), p.Statements...)
	return p
}

// StatementMatches reports whether a statement as read from AWS means want: action order, a single
// value versus a list, and the principal's spelling do not matter.
func StatementMatches(got json.RawMessage, want BucketStatement) bool {
	eq, err := awspolicy.PoliciesAreEquivalent(
		`{"Version":"`+Version+`","Statement":[`+string(got)+`]}`,
		`{"Version":"`+Version+`","Statement":[`+want.JSON()+`]}`)
	return err == nil && eq
}

// uniqueIDRe is an IAM role's unique id (AROA...), which AWS writes in place of the role's ARN in a
// policy when the role is deleted.
var uniqueIDRe = regexp.MustCompile(`^AROA[A-Z0-9]{8,}$`)

// DeletedPrincipal returns the role unique id that AWS put in a statement's principal after the role
// was deleted ("" when the principal is an ARN).
func DeletedPrincipal(stmt json.RawMessage) string {
	var s struct {
		Principal struct {
			AWS any `json:"AWS"`
		} `json:"Principal"`
	}
	if json.Unmarshal(stmt, &s) != nil {
		return ""
	}
	for _, p := range stringSet(s.Principal.AWS, false) {
		if uniqueIDRe.MatchString(p) {
			return p
		}
	}
	return ""
}

// FindMatching returns the index of a statement with a Sid that means want apart from its Sid (one
// written by hand from ICA's documentation), or -1. Import adopts it as the connection's own.
func (p BucketPolicy) FindMatching(want BucketStatement) int {
	for i, s := range p.Statements {
		sid, _ := sidOf(s)
		if sid == "" {
			continue
		}
		w := want
		w.Sid = sid
		if StatementMatches(s, w) {
			return i
		}
	}
	return -1
}

// SidAt returns the Sid of statement i.
func (p BucketPolicy) SidAt(i int) string {
	sid, _ := sidOf(p.Statements[i])
	return sid
}

// DiscoverCopyMove finds a copy/move statement for bucket and prefix in p: the one with preferredSid,
// else the first with a Sid that grants one role exactly those actions (written by hand from ICA's
// documentation). It returns its Sid and role ARN, or "" when there is none.
func DiscoverCopyMove(p BucketPolicy, preferredSid, bucket, prefix string, versioned bool) (sid, role string) {
	for _, pass := range []bool{true, false} {
		for i, s := range p.Statements {
			sid := p.SidAt(i)
			if sid == "" || pass != (sid == preferredSid) {
				continue
			}
			var st struct {
				Principal struct {
					AWS any `json:"AWS"`
				} `json:"Principal"`
			}
			if json.Unmarshal(s, &st) != nil {
				continue
			}
			principals := stringSet(st.Principal.AWS, false)
			if len(principals) != 1 {
				continue
			}
			want := CopyMoveStatement(CopyMoveOptions{Sid: sid, RoleARN: principals[0], Bucket: bucket, Prefix: prefix, Versioned: versioned})
			if StatementMatches(s, want) {
				return sid, principals[0]
			}
		}
	}
	return "", ""
}

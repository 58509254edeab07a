package policy

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// documented is the policy of ica-api.md §5 as the help page writes it (BUCKET = "my-bucket").
const documented = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutBucketNotification", "s3:ListBucket", "s3:GetBucketNotification", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::my-bucket"},
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:RestoreObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::my-bucket/*"},
    {"Effect": "Allow", "Action": ["sts:GetFederationToken"], "Resource": ["*"]}
  ]
}`

func TestBuildPlainIsExactlyTheDocumentedPolicy(t *testing.T) {
	d := Build(Options{Bucket: "my-bucket"})
	if len(d.Statement) != 3 {
		t.Fatalf("want 3 statements, got %d", len(d.Statement))
	}
	eq, err := Equivalent(d.JSON(), documented)
	if err != nil || !eq {
		t.Fatalf("Build() not equivalent to the documented policy (err %v):\n%s", err, d.JSON())
	}
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:PutBucketNotification",
        "s3:ListBucket",
        "s3:GetBucketNotification",
        "s3:GetBucketLocation"
      ],
      "Resource": "arn:aws:s3:::my-bucket"
    },
    {
      "Effect": "Allow",
      "Action": [
        "s3:PutObject",
        "s3:GetObject",
        "s3:RestoreObject",
        "s3:DeleteObject"
      ],
      "Resource": "arn:aws:s3:::my-bucket/*"
    },
    {
      "Effect": "Allow",
      "Action": [
        "sts:GetFederationToken"
      ],
      "Resource": "*"
    }
  ]
}`
	if got := d.JSON(); got != want {
		t.Fatalf("JSON() changed; got:\n%s", got)
	}
}

func TestBuildVariants(t *testing.T) {
	tests := []struct {
		name          string
		opts          Options
		wantStmts     int
		wantObjectRes string
		wantActions   []string
		notActions    []string
	}{
		{"prefix", Options{Bucket: "b", Prefix: "ica/"}, 3, "arn:aws:s3:::b/ica/*", nil, []string{"s3:GetObjectVersion", "kms:Decrypt"}},
		{"nested prefix", Options{Bucket: "b", Prefix: "a/b/"}, 3, "arn:aws:s3:::b/a/b/*", nil, nil},
		{"versioned", Options{Bucket: "b", Versioned: true}, 3, "arn:aws:s3:::b/*",
			[]string{"s3:ListBucketVersions", "s3:GetBucketVersioning", "s3:GetObjectVersion", "s3:DeleteObjectVersion"}, []string{"kms:Decrypt"}},
		{"kms", Options{Bucket: "b", KMSKeyARN: "arn:aws:kms:us-east-1:111122223333:key/k"}, 4, "arn:aws:s3:::b/*",
			[]string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, []string{"s3:GetObjectVersion"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Build(tc.opts)
			if len(d.Statement) != tc.wantStmts {
				t.Fatalf("statements: want %d, got %d", tc.wantStmts, len(d.Statement))
			}
			if got := d.Statement[1].Resource[0]; got != tc.wantObjectRes {
				t.Errorf("object resource: want %q, got %q", tc.wantObjectRes, got)
			}
			j := d.JSON()
			for _, a := range tc.wantActions {
				if !strings.Contains(j, `"`+a+`"`) {
					t.Errorf("missing action %s", a)
				}
			}
			for _, a := range tc.notActions {
				if strings.Contains(j, `"`+a+`"`) {
					t.Errorf("unexpected action %s", a)
				}
			}
			if tc.opts.KMSKeyARN != "" && d.Statement[3].Resource[0] != tc.opts.KMSKeyARN {
				t.Errorf("kms resource: %v", d.Statement[3].Resource)
			}
			disc, found, err := Discover(j, tc.opts.Bucket)
			if err != nil || !found {
				t.Fatalf("Discover: found=%v err=%v", found, err)
			}
			if disc.Prefix != tc.opts.Prefix || disc.KMSKeyARN != tc.opts.KMSKeyARN || disc.Versioned != tc.opts.Versioned {
				t.Errorf("Discover round trip: got %+v for %+v", disc, tc.opts)
			}
		})
	}
}

func TestEquivalent(t *testing.T) {
	base := Build(Options{Bucket: "my-bucket"}).JSON()
	reordered := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Fed","Effect":"Allow","Action":"STS:GetFederationToken","Resource":"*"},
	  {"Effect":"Allow","Action":["s3:DeleteObject","s3:restoreobject","s3:GetObject","s3:PutObject","s3:PutObject"],"Resource":["arn:aws:s3:::my-bucket/*"]},
	  {"Effect":"Allow","Resource":"arn:aws:s3:::my-bucket","Action":["s3:GetBucketLocation","s3:GetBucketNotification","s3:ListBucket","s3:PutBucketNotification"]}]}`
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", base, base, true},
		{"documented text", base, documented, true},
		{"order, case, string vs list, sid, duplicates", base, reordered, true},
		{"url encoded (AWS)", base, url.PathEscape(base), true},
		{"url encoded with spaces as %20", documented, strings.ReplaceAll(url.QueryEscape(documented), "+", "%20"), true},
		{"prefix differs", base, Build(Options{Bucket: "my-bucket", Prefix: "x/"}).JSON(), false},
		{"action removed", base, strings.Replace(base, `"s3:RestoreObject",`, "", 1), false},
		{"resource case matters", base, strings.Replace(base, "my-bucket/*", "MY-bucket/*", 1), false},
		{"effect differs", base, strings.Replace(base, `"Allow"`, `"Deny"`, 1), false},
		{"extra statement", base, Build(Options{Bucket: "my-bucket", KMSKeyARN: "arn:aws:kms:us-east-1:1:key/x"}).JSON(), false},
		{"version differs", base, strings.Replace(base, Version, "2008-10-17", 1), false},
		{"condition string vs list", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a/*"}}}}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["*"],"Condition":{"StringLike":{"s3:prefix":["a/*"]}}}]}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Equivalent(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Equivalent = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := Equivalent(base, "not json"); err == nil {
		t.Fatal("want an error for an invalid document")
	}
}

func TestDecode(t *testing.T) {
	plain := `{"a":"x+y"}`
	for in, want := range map[string]string{
		plain:                 plain,
		"  " + plain + "\n":   plain,
		url.PathEscape(plain): plain,
		"%7B%22a%22%3A1%7D":   `{"a":1}`,
	} {
		got, err := Decode(in)
		if err != nil || got != want {
			t.Errorf("Decode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Decode("%zz"); err == nil {
		t.Error("want error for broken escape")
	}
}

func TestDiscoverHandMadePolicy(t *testing.T) {
	handMade := strings.ReplaceAll(documented, "my-bucket/*", "my-bucket/runs/*")
	d, found, err := Discover(url.PathEscape(handMade), "my-bucket")
	if err != nil || !found {
		t.Fatalf("found=%v err=%v", found, err)
	}
	if d.Prefix != "runs/" || d.Versioned || d.KMSKeyARN != "" {
		t.Fatalf("got %+v", d)
	}
	if _, found, _ := Discover(documented, "other-bucket"); found {
		t.Fatal("a policy for my-bucket must not be discovered for other-bucket")
	}
}

func TestStringsMarshal(t *testing.T) {
	one, _ := json.Marshal(Strings{"a"})
	two, _ := json.Marshal(Strings{"a", "b"})
	if string(one) != `"a"` || string(two) != `["a","b"]` {
		t.Fatalf("got %s %s", one, two)
	}
}

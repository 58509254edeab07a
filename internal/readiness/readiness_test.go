package readiness

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const (
	keyID   = "1234abcd-12ab-34cd-56ef-1234567890ab"
	keyARN  = "arn:aws:kms:eu-central-1:111122223333:key/" + keyID
	otherK  = "arn:aws:kms:eu-central-1:111122223333:key/ffffffff-0000-0000-0000-000000000000"
	aliasA  = "arn:aws:kms:eu-central-1:111122223333:alias/ica"
	managed = "arn:aws:kms:eu-central-1:111122223333:key/aaaaaaaa-0000-0000-0000-000000000000"
)

// fakeReader answers from maps and counts the calls.
type fakeReader struct {
	enc       Encryption
	encErr    error
	own       string
	ownErr    error
	keys      map[string]Key // by id, ARN or alias
	keyErr    error
	described []string
}

func (r *fakeReader) BucketEncryption(context.Context, string, string) (Encryption, error) {
	return r.enc, r.encErr
}
func (r *fakeReader) BucketOwnership(context.Context, string, string) (string, error) {
	return r.own, r.ownErr
}
func (r *fakeReader) DescribeKey(_ context.Context, region, id string) (Key, error) {
	r.described = append(r.described, region+" "+id)
	if r.keyErr != nil {
		return Key{}, r.keyErr
	}
	k, ok := r.keys[id]
	if !ok {
		return Key{}, fmt.Errorf("NotFoundException: key %s", id)
	}
	return k, nil
}

func denied(action string) error { return fmt.Errorf("%s: AccessDenied (%w)", action, ErrAccessDenied) }

func TestCheck(t *testing.T) {
	keys := map[string]Key{
		keyID: {ARN: keyARN}, keyARN: {ARN: keyARN}, "alias/ica": {ARN: keyARN}, aliasA: {ARN: keyARN},
		managed: {ARN: managed, AWSManaged: true},
	}
	for _, tc := range []struct {
		name      string
		r         fakeReader
		kmsKeyARN string
		// want lists "E attr substring" or "W attr substring", in order; none = passes silently.
		want      []string
		described int
	}{
		{name: "no configuration (moto)", r: fakeReader{own: OwnershipEnforced}},
		{name: "SSE-S3", r: fakeReader{enc: Encryption{Algorithm: "AES256"}, own: OwnershipEnforced}},
		{name: "aws:kms without key is aws/s3", r: fakeReader{enc: Encryption{Algorithm: "aws:kms"}, own: OwnershipEnforced}},
		{name: "aws/s3 alias", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: "alias/aws/s3"}, own: OwnershipEnforced}},
		{name: "AWS-managed key by ARN", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: managed}, own: OwnershipEnforced, keys: keys}, described: 1},
		{name: "customer key id, no kms_key_arn", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: keyID}, own: OwnershipEnforced, keys: keys},
			want: []string{"E kms_key_arn " + `Set kms_key_arn = "` + keyARN + `"`}, described: 1},
		{name: "DSSE customer key", r: fakeReader{enc: Encryption{Algorithm: "aws:kms:dsse", KeyID: keyARN}, own: OwnershipEnforced, keys: keys},
			want: []string{"E kms_key_arn aws:kms:dsse"}, described: 1},
		{name: "customer key, DescribeKey denied", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: keyID}, own: OwnershipEnforced, keyErr: denied("DescribeKey")},
			want: []string{"E kms_key_arn taken for a customer managed key"}, described: 1},
		{name: "same key ARN, no lookup", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: keyARN}, own: OwnershipEnforced}, kmsKeyARN: keyARN},
		{name: "key id matches ARN, no lookup", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: keyID}, own: OwnershipEnforced}, kmsKeyARN: keyARN},
		{name: "bucket alias resolves to kms_key_arn", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: "alias/ica"}, own: OwnershipEnforced, keys: keys}, kmsKeyARN: keyARN, described: 1},
		{name: "mismatch warns", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: keyID}, own: OwnershipEnforced, keys: keys}, kmsKeyARN: otherK,
			want: []string{"W kms_key_arn with the bucket's default key"}, described: 1},
		{name: "mismatch not comparable", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: "alias/ica"}, own: OwnershipEnforced, keyErr: denied("DescribeKey")}, kmsKeyARN: otherK,
			want: []string{"W kms_key_arn kms:DescribeKey to let"}, described: 1},
		{name: "alias ARN in kms_key_arn resolved", r: fakeReader{own: OwnershipEnforced, keys: keys}, kmsKeyARN: aliasA,
			want: []string{"E kms_key_arn " + `Use "` + keyARN + `"`}, described: 1},
		{name: "alias ARN in kms_key_arn unresolvable", r: fakeReader{own: OwnershipEnforced, keyErr: denied("DescribeKey")}, kmsKeyARN: aliasA,
			want: []string{"E kms_key_arn describe-key --key-id " + aliasA}, described: 1},
		{name: "encryption read denied", r: fakeReader{encErr: denied("GetBucketEncryption"), own: OwnershipEnforced},
			want: []string{"W bucket s3:GetEncryptionConfiguration"}},
		{name: "ownership not found", r: fakeReader{},
			want: []string{"W bucket ACLs are enabled"}},
		{name: "ownership preferred", r: fakeReader{own: "BucketOwnerPreferred"},
			want: []string{`W bucket Object Ownership "BucketOwnerPreferred"`}},
		{name: "ownership read denied", r: fakeReader{ownErr: denied("GetBucketOwnershipControls")},
			want: []string{"W bucket s3:GetBucketOwnershipControls"}},
		{name: "both", r: fakeReader{enc: Encryption{Algorithm: "aws:kms", KeyID: keyARN}, own: "ObjectWriter", keys: keys},
			want: []string{"E kms_key_arn " + keyARN, "W bucket copy and move"}, described: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			got := Check(context.Background(), &r, "b", "eu-central-1", tc.kmsKeyARN)
			if len(got) != len(tc.want) {
				t.Fatalf("findings: %+v, want %v", got, tc.want)
			}
			for i, w := range tc.want {
				parts := strings.SplitN(w, " ", 3)
				sev := map[string]Severity{"E": Error, "W": Warning}[parts[0]]
				if got[i].Severity != sev || got[i].Attribute != parts[1] || !strings.Contains(got[i].Detail, parts[2]) {
					t.Errorf("finding %d = %+v, want %s", i, got[i], w)
				}
				if !strings.Contains(got[i].Detail, `"b"`) && got[i].Attribute == AttrBucket {
					t.Errorf("finding %d does not name the bucket: %s", i, got[i].Detail)
				}
			}
			if len(r.described) != tc.described {
				t.Errorf("DescribeKey calls %v, want %d", r.described, tc.described)
			}
		})
	}
}

func TestOwnershipWarningSaysWhatBreaksAndHowToFix(t *testing.T) {
	got := Decide(Facts{Bucket: "data", Ownership: "ObjectWriter"})
	if len(got) != 1 {
		t.Fatalf("%+v", got)
	}
	for _, want := range []string{"copy and move", "403", "aws_s3_bucket_ownership_controls", "put-bucket-ownership-controls --bucket data"} {
		if !strings.Contains(got[0].Detail, want) {
			t.Errorf("ownership warning lacks %q: %s", want, got[0].Detail)
		}
	}
}

func TestReadErrorsNeverFail(t *testing.T) {
	other := errors.New("connection reset")
	for _, f := range []Facts{
		{Bucket: "b", EncryptionErr: other, OwnershipErr: other},
		{Bucket: "b", EncryptionErr: denied("x"), OwnershipErr: denied("y"), Ownership: OwnershipEnforced},
	} {
		for _, got := range Decide(f) {
			if got.Severity == Error {
				t.Errorf("a failed read became an error: %+v", got)
			}
		}
	}
}

func TestIsAliasARN(t *testing.T) {
	for arn, want := range map[string]bool{aliasA: true, keyARN: false, "alias/x": false, "arn:aws:s3:::alias/x": false} {
		if IsAliasARN(arn) != want {
			t.Errorf("IsAliasARN(%q) != %v", arn, want)
		}
	}
}

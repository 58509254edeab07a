package icaobjects

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
)

func TestDifferences(t *testing.T) {
	want := StorageSpec{Name: "n", CredentialID: "C1", RegionID: "r1", Bucket: "b", Prefix: "ica/", SSEAlgorithm: "aws:kms", SSEKMSKeyARN: "k"}
	same := SpecFromICA(ica.StorageConfiguration{Name: "n", Region: ica.Region{ID: "R1"}}, &ica.StorageConfigurationDetails{
		AWSS3: &ica.AWSDetails{BucketName: "b", KeyPrefix: ptr("ica/"), ServerSideEncryptionAlgorithm: ptr("AWS:KMS"),
			ServerSideEncryptionKey: ptr("k")},
		StorageCredential: &ica.StorageCredentialRef{ID: "c1"},
	})
	if d := want.Differences(same); len(d) != 0 {
		t.Fatalf("case-only differences must not count: %v", d)
	}

	// ICA not naming the credential is not a difference.
	noCred := same
	noCred.CredentialID = ""
	if d := want.Differences(noCred); len(d) != 0 {
		t.Fatalf("unknown credential must not count: %v", d)
	}

	// ICA's prefix spelled without the slash is the same folder.
	unslashed := same
	unslashed.Prefix = "ica"
	if d := want.Differences(unslashed); len(d) != 0 {
		t.Fatalf("prefix spelling must not count: %v", d)
	}

	other := same
	other.Bucket, other.Prefix, other.CredentialID = "x", "", "c2"
	d := want.Differences(other)
	joined := strings.Join(d, "; ")
	for _, s := range []string{`bucket is "x"`, `prefix is ""`, `credential_id is "c2"`} {
		if !strings.Contains(joined, s) {
			t.Errorf("differences %q lack %q", joined, s)
		}
	}
	if len(d) != 3 {
		t.Errorf("want 3 differences, got %v", d)
	}
}

func TestCreateRequest(t *testing.T) {
	req := StorageSpec{Name: "n", CredentialID: "c", RegionID: "r", Bucket: "b", Prefix: "ica/", SSEAlgorithm: SSEKMS, SSEKMSKeyARN: "k"}.CreateRequest()
	if req.Description != nil || req.Type != ica.StorageTypeAWSS3 || *req.AWSDetails.KeyPrefix != "ica/" ||
		*req.AWSDetails.ServerSideEncryptionAlgorithm != SSEKMS || *req.AWSDetails.ServerSideEncryptionKey != "k" {
		t.Fatalf("unexpected create request %+v / %+v", req, req.AWSDetails)
	}
	req = StorageSpec{Name: "n", Description: "d", Bucket: "b"}.CreateRequest()
	if *req.Description != "d" || req.AWSDetails.KeyPrefix != nil || req.AWSDetails.ServerSideEncryptionAlgorithm != nil || req.AWSDetails.ServerSideEncryptionKey != nil {
		t.Fatalf("unset options must not be sent: %+v / %+v", req, req.AWSDetails)
	}
}

func TestAdoptStorageConfiguration(t *testing.T) {
	ctx := context.Background()
	spec := StorageSpec{Name: "runs", CredentialID: "cred", RegionID: "region", Bucket: "b", Prefix: "ica/"}
	config := func(id, name, bucket string, withDetails bool) ica.StorageConfigurationWithDetails {
		c := ica.StorageConfigurationWithDetails{StorageConfiguration: ica.StorageConfiguration{ID: id, Name: name, Region: ica.Region{ID: "region"}}}
		if withDetails {
			c.StorageConfigurationDetails = &ica.StorageConfigurationDetails{AWSS3: &ica.AWSDetails{BucketName: bucket, KeyPrefix: ptr("ica/")}}
		}
		return c
	}

	t.Run("none of the name", func(t *testing.T) {
		f := &fakeICA{configs: []ica.StorageConfigurationWithDetails{config("s1", "other", "b", true)}}
		got, err := AdoptStorageConfiguration(ctx, f, spec)
		if got != nil || err != nil || !slices.Equal(f.calls, []string{"list configurations"}) {
			t.Fatalf("got %v, %v, calls %q", got, err, f.calls)
		}
	})
	t.Run("a match is validated again and adopted", func(t *testing.T) {
		f := &fakeICA{configs: []ica.StorageConfigurationWithDetails{config("s1", "runs", "b", true)}}
		got, err := AdoptStorageConfiguration(ctx, f, spec)
		if err != nil || got == nil || got.ID != "s1" || !slices.Equal(f.calls, []string{"list configurations", "validate s1"}) {
			t.Fatalf("got %v, %v, calls %q", got, err, f.calls)
		}
	})
	t.Run("a list without the bucket: the details are read, the list's credential kept", func(t *testing.T) {
		c := config("s1", "runs", "", false)
		c.StorageConfigurationDetails = &ica.StorageConfigurationDetails{StorageCredential: &ica.StorageCredentialRef{ID: "other-cred"}}
		f := &fakeICA{configs: []ica.StorageConfigurationWithDetails{c},
			details: map[string]*ica.StorageConfigurationDetails{"s1": {AWSS3: &ica.AWSDetails{BucketName: "b", KeyPrefix: ptr("ica/")}}}}
		_, err := AdoptStorageConfiguration(ctx, f, spec)
		var mm *MismatchError
		if !errors.As(err, &mm) || !slices.Equal(mm.Differences, []string{`credential_id is "other-cred" in ICA but "cred" in the configuration`}) {
			t.Fatalf("the list's credential must count after reading the details: %v", err)
		}
		if !slices.Equal(f.calls, []string{"list configurations", "details s1"}) {
			t.Fatalf("calls %q", f.calls)
		}
	})
	t.Run("a configuration that differs is refused, not validated", func(t *testing.T) {
		f := &fakeICA{configs: []ica.StorageConfigurationWithDetails{config("s1", "runs", "elsewhere", true)}}
		got, err := AdoptStorageConfiguration(ctx, f, spec)
		var mm *MismatchError
		if got != nil || !errors.As(err, &mm) || mm.ID != "s1" || slices.Contains(f.calls, "validate s1") {
			t.Fatalf("got %v, %v, calls %q", got, err, f.calls)
		}
		if !strings.Contains(err.Error(), `bucket is "elsewhere" in ICA but "b" in the configuration`) || !strings.Contains(err.Error(), "Choose another name") {
			t.Fatalf("message %q", err)
		}
	})
	t.Run("several of the name are refused with their UUIDs, none validated", func(t *testing.T) {
		f := &fakeICA{configs: []ica.StorageConfigurationWithDetails{config("s1", "runs", "b", true), config("s2", "runs", "b", true)}}
		got, err := AdoptStorageConfiguration(ctx, f, spec)
		var amb *AmbiguousNameError
		if got != nil || !errors.As(err, &amb) || !slices.Equal(amb.IDs, []string{"s1", "s2"}) || amb.Kind != "storage configurations" ||
			!slices.Equal(f.calls, []string{"list configurations"}) {
			t.Fatalf("got %v, %v, calls %q", got, err, f.calls)
		}
	})
	for op, action := range map[string]string{"list configurations": "list", "validate s1": "validate", "details s1": "read the details of"} {
		t.Run("failing "+op, func(t *testing.T) {
			f := &fakeICA{configs: []ica.StorageConfigurationWithDetails{config("s1", "runs", "b", op != "details s1")}, failOp: op,
				details: map[string]*ica.StorageConfigurationDetails{}}
			got, err := AdoptStorageConfiguration(ctx, f, spec)
			var ce *CallError
			if got != nil || !errors.As(err, &ce) || ce.Action != action || !errors.Is(err, errFake) {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func TestReplacementRefusal(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Replacement
		want []string // substrings of the refusal; nil for none
	}{
		{"new name", Replacement{Name: "a", ID: "i", NewName: "b", Changed: []string{"name", "bucket"}}, nil},
		{"name unknown", Replacement{Name: "a", ID: "i", Changed: []string{"name"}}, nil},
		{"nothing changes (-replace adopts the same)", Replacement{Name: "a", ID: "i", NewName: "a"}, nil},
		{"bucket and prefix", Replacement{Name: "a", ID: "i", NewName: "a", Changed: []string{"bucket", "prefix"}},
			[]string{`"a" (i)`, "same name but a different bucket, prefix.", "Set another name", "the old one stays in ICA"}},
		{"description only", Replacement{Name: "a", ID: "i", NewName: "a", Changed: []string{"description"}},
			[]string{"different description.", "Set another name"}},
		{"credential changes", Replacement{Name: "a", ID: "i", NewName: "a", Changed: []string{"credential_id", "region_id"}},
			[]string{"different region_id, credential_id."}},
		{"credential unknown", Replacement{Name: "a", ID: "i", NewName: "a", Changed: []string{"credential_id"}, CredentialUnknown: true},
			[]string{"credential_id (known only at apply", "Set another name", "-target="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Refusal()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want no refusal, got %v", err)
				}
				return
			}
			var sn *SameNameReplacementError
			if !errors.As(err, &sn) {
				t.Fatalf("want a *SameNameReplacementError, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("refusal %q lacks %q", err, w)
				}
			}
			if !tc.r.CredentialUnknown && strings.Contains(err.Error(), "-target") {
				t.Errorf("the -target hint is only for an unknown credential: %q", err)
			}
			if strings.Count(err.Error(), "credential_id") > 1+strings.Count(err.Error(), "credential_name") {
				t.Errorf("credential_id named twice: %q", err)
			}
		})
	}
}

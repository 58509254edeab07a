package icaobjects

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ica-tf/terraform-provider-ica/internal/ica"
	"github.com/ica-tf/terraform-provider-ica/internal/naming"
)

// Server-side encryption algorithms, as ICA spells them.
const (
	SSEKMS    = "aws:kms"
	SSEAES256 = "AES256"
)

// StorageSpec is the part of a storage configuration ICA fixes at creation, in ICA's spelling (prefix
// "folder/" or "", SSE algorithm "AES256", "aws:kms" or "").
type StorageSpec struct {
	Name, Description, CredentialID, RegionID, Bucket, Prefix, SSEAlgorithm, SSEKMSKeyARN string
}

// CanonicalSSE spells an SSE algorithm as the provider sends it; unknown spellings pass through.
func CanonicalSSE(s string) string {
	switch {
	case strings.EqualFold(s, SSEKMS):
		return SSEKMS
	case strings.EqualFold(s, SSEAES256):
		return SSEAES256
	}
	return s
}

// CreateRequest is the body that creates the configuration.
func (s StorageSpec) CreateRequest() ica.CreateStorageConfiguration {
	details := &ica.AWSDetails{BucketName: s.Bucket}
	if s.Prefix != "" {
		details.KeyPrefix = &s.Prefix
	}
	if s.SSEAlgorithm != "" {
		details.ServerSideEncryptionAlgorithm = &s.SSEAlgorithm
	}
	if s.SSEKMSKeyARN != "" {
		details.ServerSideEncryptionKey = &s.SSEKMSKeyARN
	}
	req := ica.CreateStorageConfiguration{
		Name:                s.Name,
		StorageCredentialID: s.CredentialID,
		Type:                ica.StorageTypeAWSS3,
		RegionID:            s.RegionID,
		AWSDetails:          details,
	}
	if s.Description != "" {
		req.Description = &s.Description
	}
	return req
}

// SpecFromICA is what ICA holds for an existing configuration. CredentialID is empty when ICA does not
// say (it is undocumented).
func SpecFromICA(sc ica.StorageConfiguration, d *ica.StorageConfigurationDetails) StorageSpec {
	s := StorageSpec{Name: sc.Name, Description: deref(sc.Description), RegionID: sc.Region.ID}
	if d != nil {
		if d.AWSS3 != nil {
			s.Bucket = d.AWSS3.BucketName
			s.Prefix = deref(d.AWSS3.KeyPrefix)
			s.SSEAlgorithm = CanonicalSSE(deref(d.AWSS3.ServerSideEncryptionAlgorithm))
			if s.SSEAlgorithm == SSEKMS {
				s.SSEKMSKeyARN = deref(d.AWSS3.ServerSideEncryptionKey)
			}
		}
		if d.StorageCredential != nil {
			s.CredentialID = d.StorageCredential.ID
		}
	}
	return s
}

// Differences lists, in words, where an existing configuration differs from the wanted one s; the
// credential only counts when ICA told which one it uses.
func (s StorageSpec) Differences(existing StorageSpec) []string {
	var out []string
	add := func(attr, have, want string) {
		out = append(out, fmt.Sprintf("%s is %q in ICA but %q in the configuration", attr, have, want))
	}
	if existing.Bucket != s.Bucket {
		add("bucket", existing.Bucket, s.Bucket)
	}
	prefix, err := naming.NormalizePrefix(existing.Prefix)
	if err != nil {
		prefix = existing.Prefix
	}
	if prefix != s.Prefix {
		add("prefix", existing.Prefix, s.Prefix)
	}
	if !strings.EqualFold(existing.RegionID, s.RegionID) {
		add("region_id", existing.RegionID, s.RegionID)
	}
	if !strings.EqualFold(existing.SSEAlgorithm, s.SSEAlgorithm) {
		add("sse_algorithm", existing.SSEAlgorithm, s.SSEAlgorithm)
	}
	if existing.SSEKMSKeyARN != s.SSEKMSKeyARN {
		add("sse_kms_key_arn", existing.SSEKMSKeyARN, s.SSEKMSKeyARN)
	}
	if existing.Description != s.Description {
		add("description", existing.Description, s.Description)
	}
	if existing.CredentialID != "" && !strings.EqualFold(existing.CredentialID, s.CredentialID) {
		add("credential_id", existing.CredentialID, s.CredentialID)
	}
	return out
}

// MismatchError says that a configuration of the wanted name exists in ICA but differs, so it cannot
// be adopted (ICA cannot change it).
type MismatchError struct {
	Name, ID    string
	Differences []string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("ICA already has a storage configuration named %q (%s) that differs from this one: %s. ICA "+
		"cannot change or delete it, so the provider cannot adopt it. Choose another name, or set these "+
		"attributes to ICA's values", e.Name, e.ID, strings.Join(e.Differences, "; "))
}

// StorageConfigurations is what storage configuration adoption needs from ICA.
type StorageConfigurations interface {
	ListStorageConfigurations(ctx context.Context) ([]ica.StorageConfigurationWithDetails, error)
	GetStorageConfigurationDetails(ctx context.Context, id string) (*ica.StorageConfigurationDetails, error)
	ValidateStorageConfiguration(ctx context.Context, id string) error
}

// AdoptStorageConfiguration adopts the existing configuration named like spec, if any: ICA cannot
// delete configurations, so destroy-then-create must not pile them up. One that matches (bucket,
// prefix, region, encryption, description and, when ICA says, credential) is validated again and
// returned; one that differs is a *MismatchError; several of that name are an *AmbiguousNameError.
// It returns nil when there is none to adopt.
func AdoptStorageConfiguration(ctx context.Context, api StorageConfigurations, spec StorageSpec) (*ica.StorageConfiguration, error) {
	all, err := api.ListStorageConfigurations(ctx)
	if err != nil {
		return nil, &CallError{Action: "list", Object: "storage configurations", Err: err}
	}
	existing, err := AdoptByName(all, "storage configurations", spec.Name,
		func(c ica.StorageConfigurationWithDetails) string { return c.Name },
		func(c ica.StorageConfigurationWithDetails) string { return c.ID })
	if err != nil || existing == nil {
		return nil, err
	}
	details := existing.StorageConfigurationDetails
	if details == nil || details.AWSS3 == nil {
		// The list did not carry the bucket: ask for the details.
		d, err := api.GetStorageConfigurationDetails(ctx, existing.ID)
		if err != nil {
			return nil, &CallError{Action: "read the details of", Object: "storage configuration", Name: spec.Name, Err: err}
		}
		if details != nil && details.StorageCredential != nil && d.StorageCredential == nil {
			d.StorageCredential = details.StorageCredential
		}
		details = d
	}
	if diffs := spec.Differences(SpecFromICA(existing.StorageConfiguration, details)); len(diffs) > 0 {
		return nil, &MismatchError{Name: spec.Name, ID: existing.ID, Differences: diffs}
	}
	if err := api.ValidateStorageConfiguration(ctx, existing.ID); err != nil {
		return nil, &CallError{Action: "validate", Object: "storage configuration", Name: spec.Name, Err: err}
	}
	sc := existing.StorageConfiguration
	return &sc, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Replacement is a planned replacement of a storage configuration: Terraform destroys it (which only
// forgets it, ICA cannot delete it) and creates another.
type Replacement struct {
	// Name and ID are the configuration's in state; NewName is the planned name, "" when it is not
	// known until apply.
	Name, ID, NewName string
	// Changed names the attributes whose change forces the replacement ("name" among them or not); it
	// is empty when Terraform replaces for another reason (-replace).
	Changed []string
	// CredentialUnknown says credential_id is not known until apply (what it comes from is replaced).
	CredentialUnknown bool
}

// SameNameReplacementError refuses, at plan time, a replacement that cannot succeed: the old
// configuration stays in ICA under the same name, and create adopts one of that name only when
// bucket, prefix, region, encryption, description and credential match (ICA cannot change it).
type SameNameReplacementError struct{ Replacement }

func (e *SameNameReplacementError) Error() string {
	changed := slices.DeleteFunc(slices.Clone(e.Changed), func(a string) bool { return a == "credential_id" })
	if e.CredentialUnknown {
		changed = append(changed, "credential_id (known only at apply: the credential or connection it comes from is replaced)")
	} else if len(changed) < len(e.Changed) {
		changed = append(changed, "credential_id")
	}
	msg := fmt.Sprintf("This plan replaces the ICA storage configuration %q (%s) with one of the same name "+
		"but a different %s. ICA has no API to change or delete storage configurations, so the old one stays in "+
		"ICA under that name, and the create could only find it and refuse it, or adopt it with its old values. Set "+
		"another name for the new configuration; the old one stays in ICA (remove it by hand in the ICA UI if it is "+
		"no longer needed)", e.Name, e.ID, strings.Join(changed, ", "))
	if e.CredentialUnknown {
		msg += ". If the credential keeps its id (a connection replaced with the same credential_name adopts its ICA " +
			"credential), apply that first instead (terraform apply -target=<the connection>), then plan again"
	}
	return msg
}

// Refusal is a *SameNameReplacementError when the replacement keeps the name while something adoption
// compares changes or is unknown, else nil. A replacement with a new name, or one that changes nothing
// (the create adopts the same configuration again), can succeed.
func (r Replacement) Refusal() error {
	if r.NewName != r.Name || (len(r.Changed) == 0 && !r.CredentialUnknown) {
		return nil
	}
	return &SameNameReplacementError{r}
}

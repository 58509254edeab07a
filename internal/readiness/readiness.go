// Package readiness is the plan-time preflight of a connected bucket: from what S3 and KMS say about the
// bucket (default encryption, Object Ownership, the keys involved) it decides what fails the plan and what
// only warns, before ICA finds out late and opaquely. Decide is pure; Check does the reads through a
// small interface (internal/awsapi implements it, caching each bucket's answers per provider process).
package readiness

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrAccessDenied is wrapped by readers when the provider's own identity may not do a read. Such a read
// only warns: the admin running Terraform need not hold every read permission.
var ErrAccessDenied = errors.New("access denied")

// Encryption is a bucket's default encryption.
type Encryption struct {
	// Algorithm is "" (no configuration: moto's answer; AWS reports AES256), "AES256", "aws:kms" or
	// "aws:kms:dsse".
	Algorithm string
	// KeyID is the KMSMasterKeyID as configured: a key id, key ARN, alias name or alias ARN; "" means the
	// AWS-managed aws/s3 key.
	KeyID string
}

// KMS reports whether objects are encrypted with a KMS key by default.
func (e Encryption) KMS() bool { return e.Algorithm == "aws:kms" || e.Algorithm == "aws:kms:dsse" }

// Key is what kms:DescribeKey says about a key.
type Key struct {
	ARN        string
	AWSManaged bool // KeyManager AWS (aws/s3 and the like): key policy grants the account's principals
}

// Reader reads what the preflight needs. Every error on AWS's refusal wraps ErrAccessDenied.
type Reader interface {
	// BucketEncryption returns Encryption{} when the bucket has no default-encryption configuration.
	// region is the bucket's.
	BucketEncryption(ctx context.Context, region, bucket string) (Encryption, error)
	// BucketOwnership returns the ObjectOwnership setting, "" when the bucket has no ownership controls.
	BucketOwnership(ctx context.Context, region, bucket string) (string, error)
	// DescribeKey looks a key up by id, key ARN, alias name or alias ARN; region is used for an id or a
	// name (an ARN names its own region).
	DescribeKey(ctx context.Context, region, keyID string) (Key, error)
}

// Facts are the inputs of Decide: the configuration and what the reads returned.
type Facts struct {
	Bucket    string
	Region    string // the bucket's
	KMSKeyARN string // kms_key_arn as configured ("" when unset)

	Encryption    Encryption
	EncryptionErr error
	Ownership     string
	OwnershipErr  error

	// BucketKey is the bucket's default key as DescribeKey names it; looked up only when the bucket's key
	// could not be matched or classified from its spelling (BucketKeyLooked).
	BucketKeyLooked bool
	BucketKey       Key
	BucketKeyErr    error
	// ConfiguredKey is kms_key_arn resolved, looked up when it is an alias ARN.
	ConfiguredKey    Key
	ConfiguredKeyErr error
}

// Severity says whether a finding fails the plan.
type Severity int

const (
	Warning Severity = iota
	Error
)

// Attribute names the configuration attribute a finding is about.
const (
	AttrBucket    = "bucket"
	AttrKMSKeyARN = "kms_key_arn"
)

// Finding is one result of the preflight, worded for a diagnostic.
type Finding struct {
	Severity  Severity
	Attribute string
	Summary   string
	Detail    string
}

// OwnershipEnforced is the Object Ownership setting ICA needs.
const OwnershipEnforced = "BucketOwnerEnforced"

// IsAliasARN reports whether arn names a KMS alias rather than a key.
func IsAliasARN(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[2] == "kms" && strings.HasPrefix(parts[5], "alias/")
}

// AliasARNError is the reason an alias ARN cannot be kms_key_arn; keyARN is the key it names, when known.
func AliasARNError(alias, keyARN string) string {
	use := "the ARN of the key it points to (`aws kms describe-key --key-id " + alias + "` shows it)"
	if keyARN != "" {
		use = fmt.Sprintf("%q, the key this alias points to", keyARN)
	}
	return fmt.Sprintf("kms_key_arn %q is an alias ARN. IAM does not resolve aliases in a policy's Resource, so the "+
		"policy would grant no KMS action on the key and ICA could neither read nor write encrypted objects. Use %s.", alias, use)
}

// awsManagedS3Key reports whether a KMSMasterKeyID spells the AWS-managed aws/s3 key.
func awsManagedS3Key(id string) bool {
	return id == "" || id == "alias/aws/s3" || strings.HasSuffix(id, ":alias/aws/s3")
}

// sameKeySpelling reports whether the bucket's key id and kms_key_arn name the same key without a lookup.
func sameKeySpelling(bucketKey, keyARN string) bool {
	return bucketKey == keyARN || !strings.HasPrefix(bucketKey, "arn:") && !strings.HasPrefix(bucketKey, "alias/") &&
		strings.HasSuffix(keyARN, ":key/"+bucketKey)
}

// needsBucketKeyLookup reports whether Decide needs DescribeKey of the bucket's key.
func needsBucketKeyLookup(e Encryption, keyARN string) bool {
	return e.KMS() && !awsManagedS3Key(e.KeyID) && (keyARN == "" || !sameKeySpelling(e.KeyID, keyARN))
}

// Check reads what Decide needs (skipping the lookups the spellings make unnecessary) and decides.
// region is the bucket's.
func Check(ctx context.Context, r Reader, bucket, region, kmsKeyARN string) []Finding {
	f := Facts{Bucket: bucket, Region: region, KMSKeyARN: kmsKeyARN}
	if IsAliasARN(kmsKeyARN) {
		f.ConfiguredKey, f.ConfiguredKeyErr = r.DescribeKey(ctx, region, kmsKeyARN)
	}
	f.Encryption, f.EncryptionErr = r.BucketEncryption(ctx, region, bucket)
	if f.EncryptionErr == nil && needsBucketKeyLookup(f.Encryption, kmsKeyARN) {
		f.BucketKeyLooked = true
		f.BucketKey, f.BucketKeyErr = r.DescribeKey(ctx, region, f.Encryption.KeyID)
	}
	f.Ownership, f.OwnershipErr = r.BucketOwnership(ctx, region, bucket)
	return Decide(f)
}

// Decide turns the facts into findings, errors first.
func Decide(f Facts) []Finding {
	var out []Finding
	if IsAliasARN(f.KMSKeyARN) {
		resolved := ""
		if f.ConfiguredKeyErr == nil {
			resolved = f.ConfiguredKey.ARN
		}
		out = append(out, Finding{Severity: Error, Attribute: AttrKMSKeyARN, Summary: "KMS alias ARN in kms_key_arn",
			Detail: AliasARNError(f.KMSKeyARN, resolved)})
	}
	if e := encryptionFinding(f); e != nil {
		out = append(out, *e)
	}
	if o := ownershipFinding(f); o != nil {
		out = append(out, *o)
	}
	return out
}

func encryptionFinding(f Facts) *Finding {
	if f.EncryptionErr != nil {
		return &Finding{Severity: Warning, Attribute: AttrBucket, Summary: "Could not read the bucket's default encryption",
			Detail: fmt.Sprintf("Reading the default encryption of S3 bucket %q failed (%v), so the provider cannot tell whether it needs "+
				"kms_key_arn. %sIf the bucket encrypts with SSE-KMS and a customer managed key, set kms_key_arn to that key's ARN; "+
				"otherwise ICA cannot read or write its objects.", f.Bucket, f.EncryptionErr, grantHint(f.EncryptionErr, "s3:GetEncryptionConfiguration"))}
	}
	e := f.Encryption
	if !e.KMS() || awsManagedS3Key(e.KeyID) {
		return nil
	}
	key := e.KeyID
	if f.BucketKeyLooked && f.BucketKeyErr == nil {
		if f.BucketKey.AWSManaged {
			return nil
		}
		key = f.BucketKey.ARN
	}
	if f.KMSKeyARN == "" {
		unconfirmed := ""
		if f.BucketKeyLooked && f.BucketKeyErr != nil {
			unconfirmed = fmt.Sprintf(" (kms:DescribeKey of it failed: %v, so it is taken for a customer managed key)", f.BucketKeyErr)
		}
		return &Finding{Severity: Error, Attribute: AttrKMSKeyARN, Summary: "Bucket encrypts with a KMS key that kms_key_arn does not name",
			Detail: fmt.Sprintf("S3 bucket %q encrypts new objects by default with %s and the customer managed KMS key %s%s, "+
				"but kms_key_arn is not set, so the IAM policy would grant no KMS action and ICA could neither read nor write objects. "+
				"Set kms_key_arn = %q on this connection (and allow the IAM user in the key policy).", f.Bucket, e.Algorithm, key, unconfirmed, keyARNFor(key, f))}
	}
	configured := f.KMSKeyARN
	if IsAliasARN(configured) {
		if f.ConfiguredKeyErr != nil {
			return nil // already an error above; nothing to compare with
		}
		configured = f.ConfiguredKey.ARN
	}
	if sameKeySpelling(e.KeyID, configured) || f.BucketKeyLooked && f.BucketKeyErr == nil && f.BucketKey.ARN == configured {
		return nil
	}
	if f.BucketKeyLooked && f.BucketKeyErr != nil {
		return &Finding{Severity: Warning, Attribute: AttrKMSKeyARN, Summary: "Could not compare the bucket's KMS key with kms_key_arn",
			Detail: fmt.Sprintf("S3 bucket %q encrypts by default with the KMS key %q, and looking it up failed (%v), so the provider cannot "+
				"tell whether it is kms_key_arn %q. %sIf they differ, ICA cannot read objects written with the bucket's default key.",
				f.Bucket, e.KeyID, f.BucketKeyErr, f.KMSKeyARN, grantHint(f.BucketKeyErr, "kms:DescribeKey"))}
	}
	return &Finding{Severity: Warning, Attribute: AttrKMSKeyARN, Summary: "kms_key_arn is not the bucket's default KMS key",
		Detail: fmt.Sprintf("S3 bucket %q encrypts new objects by default with the KMS key %s, but kms_key_arn is %q. The policy grants "+
			"KMS actions on kms_key_arn only, so ICA cannot read objects that others write with the bucket's default key. "+
			"Set kms_key_arn = %q unless ICA should use only the other key.", f.Bucket, key, f.KMSKeyARN, key)}
}

// keyARNFor is the value to suggest for kms_key_arn: the key ARN when known, else its shape.
func keyARNFor(key string, f Facts) string {
	if strings.HasPrefix(key, "arn:") && !IsAliasARN(key) {
		return key
	}
	if strings.HasPrefix(key, "alias/") || IsAliasARN(key) {
		return "arn:aws:kms:" + f.Region + ":ACCOUNT:key/KEY_ID"
	}
	return "arn:aws:kms:" + f.Region + ":ACCOUNT:key/" + key
}

func ownershipFinding(f Facts) *Finding {
	if f.OwnershipErr != nil {
		return &Finding{Severity: Warning, Attribute: AttrBucket, Summary: "Could not read the bucket's Object Ownership",
			Detail: fmt.Sprintf("Reading the ownership controls of S3 bucket %q failed (%v), so the provider cannot tell whether ICA's "+
				"copy and move will work. %sThey need Object Ownership %q.", f.Bucket, f.OwnershipErr, grantHint(f.OwnershipErr, "s3:GetBucketOwnershipControls"), OwnershipEnforced)}
	}
	if f.Ownership == OwnershipEnforced {
		return nil
	}
	now := fmt.Sprintf("Object Ownership %q", f.Ownership)
	if f.Ownership == "" {
		now = "no ownership controls (ACLs are enabled, as on buckets made before April 2023)"
	}
	return &Finding{Severity: Warning, Attribute: AttrBucket, Summary: "Bucket does not enforce bucket-owner object ownership",
		Detail: fmt.Sprintf("S3 bucket %q has %s. Objects that ICA writes from its own account then stay owned by that account, so ICA's "+
			"copy and move jobs into this bucket fail with 403 (\"One or more bucket permissions missing\") and the bucket owner cannot read "+
			"those objects. Set Object Ownership to %q: aws_s3_bucket_ownership_controls with object_ownership = %q, or "+
			"`aws s3api put-bucket-ownership-controls --bucket %s --ownership-controls 'Rules=[{ObjectOwnership=%s}]'`.",
			f.Bucket, now, OwnershipEnforced, OwnershipEnforced, f.Bucket, OwnershipEnforced)}
}

func grantHint(err error, action string) string {
	if errors.Is(err, ErrAccessDenied) {
		return "Grant the identity Terraform runs as " + action + " to let the provider check it. "
	}
	return ""
}

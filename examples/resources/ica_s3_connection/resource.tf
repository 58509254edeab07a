# Connect the "ica" folder of an existing bucket to ICA: CORS rule, IAM policy, IAM user, access key and
# the ICA secret credential, as one resource. The secret access key never reaches the state.
resource "ica_s3_connection" "runs" {
  bucket     = "my-lab-data"
  prefix     = "ica"
  ica_region = "United States" # the plan fails if the bucket is not in us-east-1

  tags = {
    team = "genomics"
  }
}

# An SSE-KMS bucket in Germany, with the key rotated every 90 days (hashicorp/time).
resource "time_rotating" "key" {
  rotation_days = 90
}

resource "ica_s3_connection" "eu" {
  bucket           = "my-lab-data-eu"
  prefix           = "projects/ica"
  ica_region       = "Germany"
  kms_key_arn      = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  rotation_trigger = time_rotating.key.id
  share_credential = true
}

# Several folders of one bucket, each with its own user, key, credential and CORS rule.
resource "ica_s3_connection" "per_folder" {
  for_each = toset(["rna", "dna", "proteomics"])

  bucket = "my-lab-data"
  prefix = each.key
}

output "credential_id" {
  value = ica_s3_connection.runs.credential_id
}

data "ica_region" "germany" {
  name = "Germany"
}

variable "lab_secret_access_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "ica_secret_credential" "lab" {
  name                         = "lab-data-credential"
  access_key_id                = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo         = var.lab_secret_access_key
  secret_access_key_wo_version = 1
}

resource "ica_storage_configuration" "lab" {
  name          = "lab-data"
  description   = "Sequencing runs of the lab"
  credential_id = ica_secret_credential.lab.id
  region_id     = data.ica_region.germany.id
  bucket        = "my-lab-data" # in eu-central-1, the AWS region of ICA Germany
  prefix        = "ica/"

  sse_algorithm   = "aws:kms"
  sse_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

  # Change after fixing the AWS side of a configuration in ERROR to have ICA validate it again.
  revalidate_trigger = "1"

  timeouts {
    create = "30m"
  }
}

output "lab_storage_status" {
  value = ica_storage_configuration.lab.status # "OK" once ICA has validated it
}

variable "lab_secret_access_key" {
  type      = string
  sensitive = true
  ephemeral = true # Terraform >= 1.10: the value never lands in plan or state
}

# Terraform >= 1.11: the secret is write-only, sent to ICA and never stored.
# To send a new secret, change it and bump secret_access_key_wo_version.
resource "ica_secret_credential" "lab" {
  name                         = "lab-data-credential"
  access_key_id                = "AKIAIOSFODNN7EXAMPLE"
  secret_access_key_wo         = var.lab_secret_access_key
  secret_access_key_wo_version = 1
  shared                       = true
}

# Older Terraform: the secret is kept (sensitive) in state.
variable "legacy_secret_access_key" {
  type      = string
  sensitive = true
}

resource "ica_secret_credential" "legacy" {
  name              = "legacy-credential"
  access_key_id     = "AKIAI44QH8DHBEXAMPLE"
  secret_access_key = var.legacy_secret_access_key
}

data "ica_region" "germany" {
  name = "Germany"
}

data "ica_storage_bundle" "germany" {
  region_id = data.ica_region.germany.id
}

resource "ica_s3_connection" "lab" {
  bucket     = "my-lab-data"
  prefix     = "ica"
  ica_region = data.ica_region.germany.name
}

resource "ica_storage_configuration" "lab" {
  name          = "lab-data"
  credential_id = ica_s3_connection.lab.credential_id
  region_id     = data.ica_region.germany.id
  bucket        = ica_s3_connection.lab.bucket
  prefix        = ica_s3_connection.lab.prefix
}

resource "ica_project" "runs" {
  name              = "Sequencing runs"
  short_description = "Runs of the lab, stored in my-lab-data/ica/runs"
  region_id         = data.ica_region.germany.id
  storage_bundle_id = data.ica_storage_bundle.germany.id

  # Self-managed storage: a folder inside the storage configuration's prefix (never its root).
  storage_configuration_id        = ica_storage_configuration.lab.id
  storage_configuration_subfolder = "runs"

  user_tags         = ["sequencing"]
  analysis_priority = "MEDIUM"

  # ICA cannot delete or rename projects: a destroy (or a change of name, region or storage) hides this one.
  lifecycle {
    prevent_destroy = true
  }
}

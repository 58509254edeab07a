# From bucket to project: the ICA region lookup, the AWS side and the ICA secret credential (ica_s3_connection),
# the ICA storage configuration that ICA validates (ica_storage_configuration), and an ICA project that keeps its
# data in a subfolder of it (ica_project).
#
# `make demo` applies it against moto and the ICA emulator. With the defaults of ica_base_url, ica_api_key and
# aws_endpoint (null), the same configuration talks to ICA (ICA_API_KEY) and AWS (the standard AWS chain).

terraform {
  required_version = ">= 1.5"

  required_providers {
    ica = {
      source = "ica-tf/ica"
    }
  }
}

provider "ica" {
  base_url = var.ica_base_url
  api_key  = var.ica_api_key

  aws {
    region            = var.aws_region
    s3_use_path_style = var.aws_endpoint != null

    endpoints {
      s3  = var.aws_endpoint
      iam = var.aws_endpoint
      sts = var.aws_endpoint
    }
  }
}

data "ica_region" "this" {
  name = var.ica_region
}

resource "ica_s3_connection" "this" {
  bucket           = var.bucket
  prefix           = var.prefix
  ica_region       = data.ica_region.this.name
  rotation_trigger = var.rotation_trigger
}

resource "ica_storage_configuration" "this" {
  name          = var.storage_configuration_name
  description   = "Quickstart: ${var.bucket}/${var.prefix}"
  credential_id = ica_s3_connection.this.credential_id
  region_id     = data.ica_region.this.id
  bucket        = ica_s3_connection.this.bucket
  prefix        = ica_s3_connection.this.prefix

  # A rotation has ICA validate the configuration again, so it proves that the new key works for ICA.
  revalidate_trigger = var.rotation_trigger
}

data "ica_storage_bundle" "this" {
  region_id = data.ica_region.this.id
}

resource "ica_project" "this" {
  name                            = var.project_name
  short_description               = "Quickstart: data in ${var.bucket}/${var.prefix}${var.project_subfolder}"
  region_id                       = data.ica_region.this.id
  storage_bundle_id               = data.ica_storage_bundle.this.id
  storage_configuration_id        = ica_storage_configuration.this.id
  storage_configuration_subfolder = var.project_subfolder
}

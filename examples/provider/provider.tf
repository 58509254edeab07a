terraform {
  required_providers {
    ica = {
      source = "ica-tf/ica"
    }
  }
}

# ICA credentials: api_key or access_token, here from ICA_API_KEY in the environment.
# AWS credentials: the standard AWS chain (environment, shared profile, SSO, instance role).
provider "ica" {
  aws {
    region = "eu-central-1"
  }
}

# Everything spelled out, e.g. against a local ICA emulator and moto.
provider "ica" {
  alias       = "local"
  base_url    = "http://127.0.0.1:8080"
  api_key     = var.ica_api_key
  max_retries = 2

  aws {
    region            = "us-east-1"
    access_key        = "test"
    secret_key        = "test"
    s3_use_path_style = true

    endpoints {
      s3  = "http://127.0.0.1:5000"
      iam = "http://127.0.0.1:5000"
      sts = "http://127.0.0.1:5000"
      kms = "http://127.0.0.1:5000"
    }
  }
}

variable "ica_api_key" {
  type      = string
  sensitive = true
}

data "ica_secret_credentials" "all" {}

output "credential_names" {
  value = data.ica_secret_credentials.all.secret_credentials[*].name
}

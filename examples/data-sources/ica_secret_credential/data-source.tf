# A credential made in the ICA UI; ICA never returns its secret.
data "ica_secret_credential" "lab" {
  name = "lab-data-credential"
}

output "lab_credential_id" {
  value = data.ica_secret_credential.lab.id
}

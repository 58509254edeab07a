# Every storage credential the provider's ICA credentials can see.
list "ica_secret_credential" "all" {
  provider = ica
}

# Only the credential named exactly "lab-data-credential".
list "ica_secret_credential" "lab" {
  provider = ica

  config {
    name = "lab-data-credential"
  }
}

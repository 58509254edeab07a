# Every storage configuration of the tenant that the provider's ICA credentials can see.
list "ica_storage_configuration" "all" {
  provider = ica
}

# Only the configuration named exactly "lab-data".
list "ica_storage_configuration" "lab" {
  provider = ica

  config {
    name = "lab-data"
  }
}

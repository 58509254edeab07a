# A storage configuration made in the ICA UI, to put a project on it.
data "ica_storage_configuration" "lab" {
  name = "lab-data"
}

output "lab_storage_status" {
  value = data.ica_storage_configuration.lab.status
}

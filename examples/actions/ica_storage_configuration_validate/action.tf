# Run it by hand:
#   terraform apply -invoke=action.ica_storage_configuration_validate.lab
action "ica_storage_configuration_validate" "lab" {
  config {
    id = ica_storage_configuration.lab.id
  }
}

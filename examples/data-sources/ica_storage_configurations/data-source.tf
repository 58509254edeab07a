data "ica_storage_configurations" "all" {}

output "storage_not_ok" {
  value = [for c in data.ica_storage_configurations.all.storage_configurations : c.name if c.status != "OK"]
}

data "ica_storage_bundles" "all" {}

output "bundles" {
  value = { for b in data.ica_storage_bundles.all.storage_bundles : b.id => "${b.bundle_name} (${b.entitlement_name})" }
}

data "ica_region" "us" {
  name = "United States"
}

# The region's only bundle; set bundle_name when the tenant has several in the region.
data "ica_storage_bundle" "us" {
  region_id = data.ica_region.us.id
}

output "storage_bundle_id" {
  value = data.ica_storage_bundle.us.id
}

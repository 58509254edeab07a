data "ica_regions" "all" {}

# ICA region name => AWS region, e.g. "Germany" => "eu-central-1".
output "ica_to_aws" {
  value = data.ica_regions.all.aws_regions
}

# By ICA region name (case-insensitive; "Europe" is accepted for Germany). Needs no ICA credentials
# for name, aws_region and note; id, code and city_name come from ICA when credentials are configured.
data "ica_region" "germany" {
  name = "Germany"
}

# By the AWS region of a bucket.
data "ica_region" "from_bucket" {
  aws_region = "us-east-1"
}

output "germany_region_id" {
  value = data.ica_region.germany.id
}

output "germany_aws_region" {
  value = data.ica_region.germany.aws_region # "eu-central-1"
}

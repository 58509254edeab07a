output "bucket" {
  description = "The connected bucket."
  value       = ica_s3_connection.this.bucket
}

output "aws_region" {
  description = "The bucket's AWS region."
  value       = ica_s3_connection.this.aws_region
}

output "iam_user" {
  description = "The IAM user whose access key ICA holds."
  value       = ica_s3_connection.this.iam_user_name
}

output "access_key_id" {
  description = "The id of the access key ICA holds (the secret is never in state)."
  value       = ica_s3_connection.this.access_key_id
}

output "credential_id" {
  description = "The ICA secret credential's UUID."
  value       = ica_s3_connection.this.credential_id
}

output "storage_configuration_id" {
  description = "The ICA storage configuration's UUID."
  value       = ica_storage_configuration.this.id
}

output "storage_configuration_status" {
  description = "ICA's validation status of the storage configuration: OK once ICA reached the bucket."
  value       = ica_storage_configuration.this.status
}

output "project_id" {
  description = "The ICA project's UUID."
  value       = ica_project.this.id
}

output "project_folder" {
  description = "Where the project keeps its data: bucket/prefix/subfolder."
  value       = "${ica_s3_connection.this.bucket}/${ica_storage_configuration.this.prefix}${ica_project.this.storage_configuration_subfolder}"
}

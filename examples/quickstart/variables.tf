variable "ica_base_url" {
  description = "ICA REST API base URL, e.g. http://127.0.0.1:8181 for the ICA emulator. Null: ICA_BASE_URL, else ICA itself."
  type        = string
  default     = null
}

variable "ica_api_key" {
  description = "ICA API key. Null: the ICA_API_KEY environment variable."
  type        = string
  default     = null
  sensitive   = true
}

variable "aws_endpoint" {
  description = "One endpoint for S3, IAM and STS, e.g. http://127.0.0.1:5000 for moto. Null: AWS itself."
  type        = string
  default     = null
}

variable "aws_region" {
  description = "Default AWS region for IAM and STS calls (S3 calls go to the bucket's own region)."
  type        = string
  default     = "us-east-1"
}

variable "bucket" {
  description = "Existing S3 bucket to connect; it must be in the AWS region of ica_region."
  type        = string
}

variable "prefix" {
  description = "Folder of the bucket that ICA uses."
  type        = string
  default     = "ica/"
}

variable "ica_region" {
  description = "ICA region name, e.g. \"United States\" (us-east-1) or \"Germany\" (eu-central-1)."
  type        = string
  default     = "United States"
}

variable "rotation_trigger" {
  description = "Change it to rotate the access key ICA holds."
  type        = string
  default     = "1"
}

variable "storage_configuration_name" {
  description = "ICA storage configuration name: 3 to 15 of a-z, 0-9, '.' and '-'."
  type        = string
  default     = "quickstart"
}

variable "project_name" {
  description = "ICA project name: a letter, then letters, digits, spaces, _ and -. ICA cannot delete projects: destroy hides it."
  type        = string
  default     = "Quickstart"
}

variable "project_subfolder" {
  description = "The project's folder inside the storage configuration's prefix (never its root)."
  type        = string
  default     = "runs"
}

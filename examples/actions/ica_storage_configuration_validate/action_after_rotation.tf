# Validate again whenever the connection's access key changes (rotation_trigger, or a key recreated after
# drift): a terraform_data replaced with the key id triggers the action when it is created. This makes no
# dependency cycle, and it runs only for key changes, not for other updates of the connection.
resource "terraform_data" "lab_key" {
  triggers_replace = ica_s3_connection.lab.access_key_id

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.ica_storage_configuration_validate.lab]
    }
  }
}

import {
  to = ica_storage_configuration.lab
  identity = {
    id = "7d3a0f5e-2b1c-4c8e-9a57-0f6b1d2e3c4a"
  }
}

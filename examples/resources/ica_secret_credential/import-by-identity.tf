import {
  to = ica_secret_credential.lab
  identity = {
    id = "0a6e4e52-1b7e-4a3f-9e0b-6c1d2f3a4b5c"
  }
}

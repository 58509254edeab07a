import {
  to = ica_project.lab
  identity = {
    id = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
  }
}

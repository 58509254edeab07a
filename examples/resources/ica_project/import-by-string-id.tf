import {
  to = ica_project.runs
  id = "5b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
}

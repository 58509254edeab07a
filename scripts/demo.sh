#!/usr/bin/env bash
# End-to-end demo, run by `make demo`: builds the provider and the ICA emulator, starts moto and the emulator on
# free loopback ports, applies examples/quickstart against them (bucket → connection → storage configuration →
# project), shows an empty second plan, rotates the key, destroys (the project is hidden), and stops everything
# it started. Nothing reaches AWS, ICA or a Terraform registry.
# Overrides: TERRAFORM=/path/to/terraform (or tofu), MOTO_SERVER=/path/to/moto_server.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

step() { printf '\n==> [%2ds] %s\n' "$SECONDS" "$*"; }
info() { printf '    %s\n' "$*"; }
fail() {
  printf '\nmake demo: %s\n' "$*" >&2
  exit 1
}

# --- prerequisites ---------------------------------------------------------------------------------------

step "Checking prerequisites"

tf_bin="${TERRAFORM:-}"
if [[ -z "$tf_bin" ]]; then
  if command -v terraform >/dev/null 2>&1; then
    tf_bin="$(command -v terraform)"
  elif command -v tofu >/dev/null 2>&1; then
    tf_bin="$(command -v tofu)"
  else
    fail "the terraform CLI was not found on PATH.
Install Terraform >= 1.11 from https://developer.hashicorp.com/terraform/install,
or OpenTofu >= 1.11 from https://opentofu.org/docs/intro/install/ (the demo uses it when terraform is absent),
or set TERRAFORM=/path/to/terraform."
  fi
fi
tf_version="$("$tf_bin" version 2>/dev/null || true)"
info "terraform: $tf_bin (${tf_version%%$'\n'*})"

command -v go >/dev/null 2>&1 || fail "go was not found on PATH. Install Go (version in go.mod) from https://go.dev/dl/."
info "go:        $(command -v go) ($(go env GOVERSION))"

find_moto() {
  local found
  if found="$(command -v moto_server 2>/dev/null)"; then
    # A pyenv shim hides which Python has moto (and boto3): ask pyenv for the real script.
    if [[ "$found" == */shims/* ]] && command -v pyenv >/dev/null 2>&1; then
      found="$(pyenv which moto_server 2>/dev/null || echo "$found")"
    fi
    echo "$found"
    return
  fi
  local root candidate
  root="$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")"
  for candidate in "$root"/versions/*/bin/moto_server; do
    if [[ -x "$candidate" ]]; then
      echo "$candidate"
      return
    fi
  done
}
moto_bin="${MOTO_SERVER:-$(find_moto)}"
[[ -n "$moto_bin" && -x "$moto_bin" ]] || fail "moto_server was not found on PATH or in pyenv's Python versions.
Install it with: pip install 'moto[server]'"
info "moto:      $moto_bin"

# The Python that runs moto also has boto3 (a moto dependency); it creates the demo bucket.
python_bin=""
for candidate in "$(dirname "$moto_bin")/python3" "$(dirname "$moto_bin")/python"; do
  if [[ -x "$candidate" ]]; then
    python_bin="$candidate"
    break
  fi
done
if [[ -z "$python_bin" ]]; then
  shebang="$(head -n 1 "$moto_bin")"
  python_bin="${shebang#\#!}"
fi
"$python_bin" -c 'import boto3' 2>/dev/null || fail "boto3 is not importable by $python_bin (the Python that runs moto_server).
Install it with: $python_bin -m pip install 'moto[server]'"

# --- temporary workspace; everything started is stopped on exit -------------------------------------------

work="$(mktemp -d "${TMPDIR:-/tmp}/ica-demo.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ $status -ne 0 ]]; then
    printf '\nmake demo failed; logs are in %s\n' "$work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# --- servers and build ---------------------------------------------------------------------------------------

free_port() {
  "$python_bin" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_http() { # name url [curl args...]
  local name="$1" url="$2"
  shift 2
  local i
  for i in $(seq 1 150); do
    if curl -fsS -o /dev/null "$@" "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  fail "$name did not answer at $url within 30s; see its log in $work"
}

# moto takes a few seconds to start: it starts while Go builds.
step "Starting moto (S3, IAM, STS) in the background"
moto_port="$(free_port)"
"$moto_bin" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
moto_pid=$!
moto_url="http://127.0.0.1:$moto_port"

step "Building the provider and the ICA emulator"
mkdir -p "$work/bin"
go build -o "$work/bin/terraform-provider-ica" .
go build -o "$work/bin/ica-emulator" ./internal/icaemulator/cmd/ica-emulator
info "built into $work/bin"

# dev_overrides: Terraform uses the provider just built and never asks a registry for it.
provider_address="registry.terraform.io/ica-tf/ica"
if [[ "$(basename "$tf_bin")" == tofu* ]]; then
  provider_address="registry.opentofu.org/ica-tf/ica"
fi
cat >"$work/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "$provider_address" = "$work/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraform.rc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1

demo_started=$SECONDS

step "Starting the ICA emulator; waiting for moto"
wait_for_http moto "$moto_url/moto-api/"
info "moto:         $moto_url (pid $moto_pid)"

ica_key="demo-api-key"
# Port 0: the emulator picks a free port and prints its URL on stdout.
"$work/bin/ica-emulator" -listen 127.0.0.1:0 -api-key "$ica_key" \
  -aws-endpoint "$moto_url" -validation-delay 1s >"$work/ica-emulator.out" 2>"$work/ica-emulator.log" &
pids+=($!)
ica_url=""
for _ in $(seq 1 50); do
  ica_url="$(sed -n 's/^ica-emulator listening on //p' "$work/ica-emulator.out")"
  [[ -n "$ica_url" ]] && break
  sleep 0.1
done
[[ -n "$ica_url" ]] || fail "the ICA emulator did not start; see $work/ica-emulator.log"
wait_for_http "the ICA emulator" "$ica_url/api/tokens" -X POST -H "X-API-Key: $ica_key"
info "ICA emulator: $ica_url (pid ${pids[-1]})"

# Any key pair works on moto; these never leave the machine.
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

aws_py() { # runs a Python snippet with `s3` and `iam` clients bound to moto
  MOTO_URL="$moto_url" "$python_bin" - "$@" <<EOF
import json, os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1")
iam = boto3.client("iam", endpoint_url=os.environ["MOTO_URL"], region_name="us-east-1")
def cors_rules(bucket):
    try:
        return s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    except s3.exceptions.ClientError:
        return []
def cors_ids(bucket):
    return [r.get("ID", "") for r in cors_rules(bucket)]
def print_cors(bucket):
    for r in cors_rules(bucket) or [{"ID": "(none)", "AllowedMethods": [], "AllowedOrigins": []}]:
        print("      %-40s %s from %s" % (r.get("ID", "(no id)"), " ".join(r["AllowedMethods"]), " ".join(r["AllowedOrigins"])))
$(cat)
EOF
}

bucket="ica-demo-$(date +%s)"
step "Creating bucket $bucket with a CORS rule of its own (it must survive)"
aws_py "$bucket" <<'EOF'
bucket = sys.argv[1]
s3.create_bucket(Bucket=bucket)
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
    "ID": "website-downloads", "AllowedMethods": ["GET"], "AllowedOrigins": ["https://www.example.org"],
    "AllowedHeaders": ["*"], "MaxAgeSeconds": 600}]})
EOF
info "CORS rule 'website-downloads' (GET from https://www.example.org) is on the bucket"


# --- terraform ---------------------------------------------------------------------------------------------

cp -R examples/quickstart "$work/quickstart"
rm -rf "$work/quickstart/.terraform" "$work/quickstart"/terraform.tfstate*
export TF_VAR_ica_base_url="$ica_url"
export TF_VAR_ica_api_key="$ica_key"
export TF_VAR_aws_endpoint="$moto_url"
export TF_VAR_bucket="$bucket"
export TF_VAR_ica_region="United States"
export TF_VAR_rotation_trigger="1"

tf() { # runs terraform in the quickstart copy, keeping the full output in a log
  local log="$work/terraform-$1-$SECONDS.log" status=0
  "$tf_bin" -chdir="$work/quickstart" "$@" -no-color >"$log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    tail -n 40 "$log" >&2
    fail "terraform $1 failed (exit code $status); full output in $log"
  fi
  # Progress lines and warnings only; the full output is in the log.
  grep -E '^(data\.|ica_)[^ ]*: (Read|Creat|Modif|Destr)|^Warning:|^(Apply|Destroy) complete' "$log" |
    grep -v 'development overrides' | sed 's/^/    /' || true
}

# Reads every output once (one terraform run) into the associative array `outputs`.
declare -A outputs
read_outputs() {
  local name value
  while IFS=$'\t' read -r name value; do
    outputs[$name]="$value"
  done < <("$tf_bin" -chdir="$work/quickstart" output -json |
    "$python_bin" -c 'import json, sys; [print(k, v["value"], sep="\t") for k, v in json.load(sys.stdin).items()]')
}
out() { printf '%s' "${outputs[$1]:-}"; }

step "terraform apply (examples/quickstart; dev_overrides, so no init or registry is needed)"
tf apply -auto-approve -input=false
read_outputs

step "Summary"
info "bucket:                        $(out bucket)"
info "AWS region:                    $(out aws_region)"
info "IAM user:                      $(out iam_user)"
info "access key id:                 $(out access_key_id)"
info "ICA credential id:             $(out credential_id)"
info "ICA storage configuration:     $(out storage_configuration_id)"
info "storage configuration status:  $(out storage_configuration_status)"
[[ "$(out storage_configuration_status)" == "OK" ]] || fail "the storage configuration did not settle OK"
info "ICA project:                   $(out project_id)"
info "project folder:                $(out project_folder)"
old_key="$(out access_key_id)"

step "terraform plan again: nothing should change"
set +e
"$tf_bin" -chdir="$work/quickstart" plan -detailed-exitcode -input=false -no-color >"$work/terraform-plan.log" 2>&1
plan_status=$?
set -e
case $plan_status in
0) info "plan -detailed-exitcode: 0 ($(grep -m1 -E '^No changes' "$work/terraform-plan.log" || echo "no changes"))" ;;
2)
  cat "$work/terraform-plan.log" >&2
  fail "the second plan is not empty (exit code 2)"
  ;;
*)
  cat "$work/terraform-plan.log" >&2
  fail "terraform plan failed (exit code $plan_status)"
  ;;
esac

step "Rotating the access key (rotation_trigger 1 -> 2)"
export TF_VAR_rotation_trigger="2"
tf apply -auto-approve -input=false
read_outputs
new_key="$(out access_key_id)"
info "old access key id: $old_key"
info "new access key id: $new_key"
[[ "$new_key" != "$old_key" ]] || fail "the access key id did not change"
info "storage configuration status after ICA validated it again with the new key: $(out storage_configuration_status)"
[[ "$(out storage_configuration_status)" == "OK" ]] || fail "ICA could not use the new key"

step "Checking ICA, IAM and the bucket's CORS rules"
aws_py "$bucket" "$(out iam_user)" "$(out credential_id)" "$new_key" "$ica_url" "$(out project_id)" "$(out storage_configuration_id)" <<'EOF'
import urllib.request
bucket, user, cred_id, new_key, ica_url, project_id, config_id = sys.argv[1:8]
with urllib.request.urlopen(ica_url + "/_emulator/credentials") as r:
    held = next((c["accessKeyId"] for c in json.load(r) if c["id"] == cred_id), None)
print("    ICA credential holds:  %s" % held)
with urllib.request.urlopen(ica_url + "/_emulator/projects") as r:
    project = next((p for p in json.load(r) if p["id"] == project_id), None)
print("    ICA project:           %s" % project)
if not project or project["hidden"] or project["storageConfigurationId"] != config_id:
    sys.exit("the project must still be visible, on the storage configuration")
keys = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]
print("    IAM user's keys:       %s" % " ".join(keys))
print("    the bucket's CORS rules (its own rule survived next to the connection's):")
print_cors(bucket)
if held != new_key or keys != [new_key]:
    sys.exit("ICA must hold the new key, and it must be the user's only key")
if "website-downloads" not in cors_ids(bucket):
    sys.exit("the bucket's own CORS rule is gone")
EOF

step "terraform destroy"
tf destroy -auto-approve -input=false
info "(ICA has no delete API: the credential and storage configuration stay in ICA and the project is hidden, as the warnings say)"
aws_py "$bucket" "$ica_url" <<'EOF'
import urllib.request
bucket, ica_url = sys.argv[1:3]
with urllib.request.urlopen(ica_url + "/_emulator/projects") as r:
    projects = json.load(r)
print("    ICA projects: %s" % ", ".join("%s (hidden: %s)" % (p["name"], p["hidden"]) for p in projects))
if len(projects) != 1 or not projects[0]["hidden"]:
    sys.exit("destroy must hide the one project")
print("    the bucket's CORS rules:")
print_cors(bucket)
users = iam.list_users()["Users"]
print("    IAM users left: %d" % len(users))
if cors_ids(bucket) != ["website-downloads"] or users:
    sys.exit("destroy must leave only the bucket's own CORS rule and no IAM user")
EOF

step "Done in $((SECONDS - demo_started))s after the build; stopping moto and the ICA emulator"

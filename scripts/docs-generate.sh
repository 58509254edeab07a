#!/usr/bin/env bash
# Runs tfplugindocs (the command given as arguments) for `make generate`.
#
# tfplugindocs renders list-resource and action pages, and resource identity sections, only from a Terraform
# that reports their schemas (>= 1.14); with an older one it deletes those pages and refuses the identity
# import examples. So with TERRAFORM_CURRENT (Terraform 1.15 from ../shared/terraform, see `make
# terraform-current`) it runs with that binary first on PATH. Without it, the pages that need the newer
# schemas are kept exactly as they are, the rest is generated, and it says so; under CI=true that is an error,
# because CI must render everything.
set -euo pipefail

if [[ -n "${TERRAFORM_CURRENT:-}" ]]; then
  echo "generate: with $TERRAFORM_CURRENT (list resources, actions and resource identity included)"
  PATH="$(dirname "$TERRAFORM_CURRENT"):$PATH" exec "$@"
fi

kept_pages=(docs/list-resources docs/actions)
identity_examples=(examples/resources/*/import-by-identity.tf)
for f in "${identity_examples[@]}"; do
  [[ -f "$f" ]] || continue
  r=$(basename "$(dirname "$f")")
  kept_pages+=("docs/resources/${r#ica_}.md")
done
msg="generate: no Terraform >= 1.14 (run 'make terraform-current' to install 1.15 from ../shared/terraform), so ${kept_pages[*]} are left as they are"
if [[ "${CI:-}" == true ]]; then
  echo "$msg: CI must render them" >&2
  exit 1
fi
echo "$msg"

kept=$(mktemp -d)
restore() {
  for p in "${kept_pages[@]}" "${identity_examples[@]}"; do
    if [[ -e "$kept/$p" ]]; then
      rm -rf "$p"
      mkdir -p "$(dirname "$p")"
      cp -a "$kept/$p" "$p"
    fi
  done
  rm -rf "$kept"
}
trap restore EXIT
for p in "${kept_pages[@]}" "${identity_examples[@]}"; do
  if [[ -e "$p" ]]; then
    mkdir -p "$kept/$(dirname "$p")"
    cp -a "$p" "$kept/$p"
  fi
done
# The identity examples would make tfplugindocs fail on a Terraform that reports no identity schemas.
for f in "${identity_examples[@]}"; do rm -f "$f"; done
"$@"

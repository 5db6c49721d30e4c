# Sourced by deploy.sh, teardown.sh and train-job.sh: what they share.

# show: one shell line per command, plain words as they are and others in single quotes, so it can be pasted.
show() {
  local w out=()
  for w in "$@"; do
    if [[ "$w" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=("$w"); else out+=("'${w//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}

# gcp_project: GCP_PROJECT, else PROJECT_ID, else GOOGLE_CLOUD_PROJECT, else gcloud's default project; empty when none.
gcp_project() {
  local project=${GCP_PROJECT:-${PROJECT_ID:-${GOOGLE_CLOUD_PROJECT:-}}}
  if [ -z "$project" ] && command -v gcloud >/dev/null 2>&1; then
    project=$(gcloud config get-value project 2>/dev/null || true)
    [ "$project" = "(unset)" ] && project=
  fi
  echo "$project"
}

# print_help SCRIPT: the script's opening comment, which is its manual.
print_help() {
  sed -n '2,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//'
}

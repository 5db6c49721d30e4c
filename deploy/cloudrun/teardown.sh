#!/usr/bin/env bash
# Removes what the deploy guide created, in the order that works (the guides' clean-up phase):
#   1. the API Gateway gateway          (it serves an API config)
#   2. the API configs                  (they belong to the API; a config in use cannot go)
#   3. the API                          (only once it has no configs)
#   4. the API key(s) made for it       (found by display name)
#   5. the Cloud Run service
#   6. the gateway's service account    (last: the configs above call Cloud Run as it)
#   7. the service's own account        (customgpt-api@, if you made it for a gs:// model; after the service)
#
#   deploy/cloudrun/teardown.sh [--dry-run]
#
#   --dry-run  print the commands instead of running them. With gcloud installed, the read-only
#              lookups (the API's configs, the keys' names) still run, so the list is the real one;
#              without it, placeholders in <angle brackets> stand for what would be looked up
#
# Something already gone (NOT_FOUND) is skipped, so a half-finished teardown can be run again.
# Left in place on purpose (data, or shared with other things): the Secret Manager secrets, the
# Artifact Registry repository and its images, a Cloud SQL instance, the enabled APIs. The script
# prints the commands that remove them.
#
# Settings (environment), the names deploy.sh and deploy/api-gateway/README.md use by default:
#   GCP_PROJECT      the project (PROJECT_ID and GOOGLE_CLOUD_PROJECT are accepted too); when none is
#                    set, gcloud's own default (`gcloud config get-value project`)
#   GCP_REGION       default us-central1 (the service's region and the gateway's location)
#   SERVICE          the Cloud Run service, default customgpt-api
#   GATEWAY          default customgpt-gateway
#   API              the API Gateway API, default customgpt-api
#   API_CONFIGS      its configs, space-separated (default: every config gcloud lists for API)
#   API_KEY_NAME     display name of the API key(s) to delete, default customgpt
#   GATEWAY_SA       the gateway's service account, default customgpt-gateway@PROJECT.iam.gserviceaccount.com
#   SERVICE_SA       the service's own account, default customgpt-api@PROJECT.iam.gserviceaccount.com
#                    (docs/deploy-cloud-run.md "A model in a private Cloud Storage bucket"; skipped when it does not exist)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dry_run=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    -h|--help) print_help "$0"; exit 0 ;;
    *) echo "teardown.sh: unknown argument '$arg' (expected --dry-run or --help)" >&2; exit 2 ;;
  esac
done

has_gcloud=0
command -v gcloud >/dev/null 2>&1 && has_gcloud=1
project=$(gcp_project)
if [ -z "$project" ]; then
  echo "teardown.sh: GCP_PROJECT is not set (nor PROJECT_ID, and gcloud has no default project): export GCP_PROJECT=<your Google Cloud project id>" >&2
  exit 1
fi
if [ "$dry_run" = 0 ] && [ "$has_gcloud" = 0 ]; then
  echo "teardown.sh: gcloud is not installed (https://cloud.google.com/sdk/docs/install)" >&2
  exit 1
fi
region=${GCP_REGION:-us-central1}
service=${SERVICE:-customgpt-api}
gateway=${GATEWAY:-customgpt-gateway}
api=${API:-customgpt-api}
key_name=${API_KEY_NAME:-customgpt}
gateway_sa=${GATEWAY_SA:-customgpt-gateway@$project.iam.gserviceaccount.com}
service_sa=${SERVICE_SA:-customgpt-api@$project.iam.gserviceaccount.com}

# show: prints a command as one line that can be pasted.

failures=0
# Runs (or prints) one delete. NOT_FOUND is success: the thing is already gone.
remove() {
  if [ "$dry_run" = 1 ]; then show "$@"; return; fi
  echo "+ $(show "$@")"
  local err
  if err=$("$@" 2>&1 >/dev/null); then return; fi
  if grep -qiE 'NOT_FOUND|not found|does not exist' <<<"$err"; then
    echo "  (already gone)"
  else
    echo "$err" >&2
    failures=$((failures + 1))
  fi
}

# Read-only lookups: names of things to delete. Without gcloud (dry-run only) a placeholder stands in.
lookup() {
  local placeholder=$1; shift
  if [ "$has_gcloud" = 1 ]; then "$@" 2>/dev/null || true; else echo "$placeholder"; fi
}

remove gcloud api-gateway gateways delete "$gateway" --location="$region" --project="$project" --quiet
# Names one a line (a placeholder may hold spaces).
if [ -n "${API_CONFIGS:-}" ]; then
  configs=${API_CONFIGS// /$'\n'}
else
  configs=$(lookup "<each config of $api>" gcloud api-gateway api-configs list --api="$api" --project="$project" --format='value(name.basename())')
fi
while IFS= read -r config; do
  if [ -n "$config" ]; then remove gcloud api-gateway api-configs delete "$config" --api="$api" --project="$project" --quiet; fi
done <<<"$configs"
remove gcloud api-gateway apis delete "$api" --project="$project" --quiet
keys=$(lookup "<each key named $key_name>" gcloud services api-keys list --project="$project" --filter="displayName=$key_name" --format='value(name)')
while IFS= read -r key; do
  if [ -n "$key" ]; then remove gcloud services api-keys delete "$key" --project="$project" --quiet; fi
done <<<"$keys"
remove gcloud run services delete "$service" --region="$region" --project="$project" --quiet
remove gcloud iam service-accounts delete "$gateway_sa" --project="$project" --quiet
remove gcloud iam service-accounts delete "$service_sa" --project="$project" --quiet

cat >&2 <<EOF

Left in place (remove them yourself if nothing else uses them):
  gcloud secrets delete customgpt-api-key --project=$project
  gcloud artifacts repositories delete customgpt --location=$region --project=$project
  gcloud sql instances delete customgpt --project=$project        # only if you made one (docs/deploy-cloud-run.md, Cloud SQL)
  gcloud storage rm --recursive gs://$project-models               # a model bucket, if you made one
EOF
if [ "$failures" -gt 0 ]; then
  echo "teardown.sh: $failures command(s) failed (see above); fix the cause and run it again" >&2
  exit 1
fi

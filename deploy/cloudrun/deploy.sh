#!/usr/bin/env bash
# Deploys ModelApi to Cloud Run with `gcloud run deploy`.
#
#   deploy/cloudrun/deploy.sh [--build] [--dry-run]
#
#   --build    first build and push the image with Cloud Build (deploy/cloudrun/cloudbuild.yaml,
#              which runs `docker build -f Dockerfile.api`); no local Docker needed
#   --dry-run  print the commands instead of running them (the API key value is shown as ***)
#
# Settings (environment):
#   GCP_PROJECT      required (GOOGLE_CLOUD_PROJECT is accepted too)
#   GCP_REGION       default us-central1
#   SERVICE          default customgpt-api
#   IMAGE            default $GCP_REGION-docker.pkg.dev/$GCP_PROJECT/customgpt/modelapi:latest
#   ACCESS           public (anyone with the API key; the default) or private (IAM only:
#                    --no-allow-unauthenticated, e.g. behind API Gateway)
#   API_KEY_SECRET   Secret Manager secret holding the key ("name" or "name:version"; default
#                    version latest): passed with --set-secrets, the preferred way
#   API_KEY          the key itself, passed as a plain environment variable when no secret is named
#                    (visible to anyone who can read the service's configuration)
#   MASTER_KEY_SECRET     Secret Manager secret holding MASTER_KEY: callers then use virtual keys
#                         made with /key/generate (README "Keys and limits")
#   DATABASE_URL_SECRET   Secret Manager secret holding DATABASE_URL (PostgreSQL, e.g. Cloud SQL), so
#                         every instance shares keys, usage and limits; without it each instance has
#                         its own SQLite file and counts limits alone
#   CLOUD_SQL_INSTANCE    PROJECT:REGION:INSTANCE, mounted at /cloudsql/ (--add-cloudsql-instances)
#                    ACCESS=public needs API_KEY_SECRET, API_KEY or MASTER_KEY_SECRET.
#   PARALLEL         sequences decoded together (default 4)
#   MAX_QUEUE        requests that may wait for a sequence (default 12)
#                    concurrency = PARALLEL + MAX_QUEUE: Cloud Run sends no more than ModelApi
#                    accepts, and starts another instance instead
#   THREADS          llama.cpp threads (default 2, one per CPU)
#   MIN_INSTANCES    0 (scale to zero: no cost when idle, cold starts) or 1 (one instance always warm,
#                    billed while idle). Default 0
#   MAX_INSTANCES    default 10
#   MODEL_URL, MODEL_SHA256   optional: download the model at start instead of the one in the image
set -euo pipefail

dry_run=0
with_build=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    --build) with_build=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "deploy.sh: unknown argument '$arg' (expected --build, --dry-run or --help)" >&2; exit 2 ;;
  esac
done

errors=()
project=${GCP_PROJECT:-${GOOGLE_CLOUD_PROJECT:-}}
[ -n "$project" ] || errors+=("GCP_PROJECT is not set: export GCP_PROJECT=<your Google Cloud project id>")
region=${GCP_REGION:-us-central1}
service=${SERVICE:-customgpt-api}
image=${IMAGE:-$region-docker.pkg.dev/$project/customgpt/modelapi:latest}
access=${ACCESS:-public}
parallel=${PARALLEL:-4}
max_queue=${MAX_QUEUE:-12}
threads=${THREADS:-2}
min_instances=${MIN_INSTANCES:-0}
max_instances=${MAX_INSTANCES:-10}

whole() { [[ "$2" =~ ^[0-9]+$ ]] || errors+=("$1='$2' must be a whole number"); }
whole PARALLEL "$parallel"
whole MAX_QUEUE "$max_queue"
whole THREADS "$threads"
whole MAX_INSTANCES "$max_instances"
whole MIN_INSTANCES "$min_instances"
case "$access" in
  public)
    if [ -z "${API_KEY_SECRET:-}" ] && [ -z "${API_KEY:-}" ] && [ -z "${MASTER_KEY_SECRET:-}" ]; then
      errors+=("ACCESS=public needs an API key: set API_KEY_SECRET=<Secret Manager secret> (preferred), API_KEY=<key> or MASTER_KEY_SECRET=<secret>; or ACCESS=private")
    fi ;;
  private) ;;
  *) errors+=("ACCESS='$access' must be public or private") ;;
esac
if [ -n "${MODEL_SHA256:-}" ] && [ -z "${MODEL_URL:-}" ]; then errors+=("MODEL_SHA256 is set but MODEL_URL is not"); fi

if [ ${#errors[@]} -gt 0 ]; then
  printf 'deploy.sh: %s\n' "${errors[@]}" >&2
  exit 1
fi

concurrency=$((parallel + max_queue))
env_vars="PARALLEL=$parallel,MAX_QUEUE=$max_queue,THREADS=$threads"
[ -n "${MODEL_URL:-}" ] && env_vars+=",MODEL_URL=$MODEL_URL"
[ -n "${MODEL_SHA256:-}" ] && env_vars+=",MODEL_SHA256=$MODEL_SHA256"

# `deploy` is what runs; `shown` is what is printed: the same words, with an API key value as ***.
deploy=(gcloud run deploy "$service"
  --project="$project"
  --region="$region"
  --image="$image"
  --port=8080
  --memory=2Gi
  --cpu=2
  --cpu-boost
  --timeout=300
  --concurrency="$concurrency"
  --min-instances="$min_instances"
  --max-instances="$max_instances")
shown=("${deploy[@]}")
# Secrets from Secret Manager, as NAME=secret:version (latest unless a version is given).
secrets=()
add_secret() { if [ -n "$2" ]; then local s=$2; [[ "$s" == *:* ]] || s+=":latest"; secrets+=("$1=$s"); fi; }
add_secret API_KEY "${API_KEY_SECRET:-}"
add_secret MASTER_KEY "${MASTER_KEY_SECRET:-}"
add_secret DATABASE_URL "${DATABASE_URL_SECRET:-}"
if [ -n "${API_KEY_SECRET:-}" ]; then
  deploy+=(--set-env-vars="$env_vars")
  shown+=(--set-env-vars="$env_vars")
elif [ -n "${API_KEY:-}" ]; then
  deploy+=(--set-env-vars="$env_vars,API_KEY=$API_KEY")
  shown+=(--set-env-vars="$env_vars,API_KEY=***")
else
  deploy+=(--set-env-vars="$env_vars")
  shown+=(--set-env-vars="$env_vars")
fi
if [ ${#secrets[@]} -gt 0 ]; then
  deploy+=(--set-secrets="$(IFS=,; echo "${secrets[*]}")")
  shown+=(--set-secrets="$(IFS=,; echo "${secrets[*]}")")
fi
if [ -n "${CLOUD_SQL_INSTANCE:-}" ]; then
  deploy+=(--add-cloudsql-instances="$CLOUD_SQL_INSTANCE")
  shown+=(--add-cloudsql-instances="$CLOUD_SQL_INSTANCE")
fi
if [ "$access" = public ]; then access_flag=--allow-unauthenticated; else access_flag=--no-allow-unauthenticated; fi
deploy+=("$access_flag")
shown+=("$access_flag")

build=(gcloud builds submit --project="$project" --region="$region"
  --config=deploy/cloudrun/cloudbuild.yaml --substitutions="_IMAGE=$image" .)

# One shell line per command: plain words as they are, others in single quotes, so it can be pasted.
show() {
  local w out=()
  for w in "$@"; do
    if [[ "$w" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=("$w"); else out+=("'${w//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}

cd "$(dirname "$0")/../.."
if [ "$dry_run" = 1 ]; then
  if [ "$with_build" = 1 ]; then show "${build[@]}"; fi
  show "${shown[@]}"
  exit 0
fi

command -v gcloud >/dev/null 2>&1 || { echo "deploy.sh: gcloud is not installed (https://cloud.google.com/sdk/docs/install)" >&2; exit 1; }
if [ "$with_build" = 1 ]; then
  echo "+ $(show "${build[@]}")"
  "${build[@]}"
fi
echo "+ $(show "${shown[@]}")"
"${deploy[@]}"
url=$(gcloud run services describe "$service" --project="$project" --region="$region" --format='value(status.url)')
echo
echo "ModelApi: $url"
if [ "$access" = public ]; then
  echo "Try: curl -s $url/health"
else
  echo "Try: curl -s -H \"Authorization: Bearer \$(gcloud auth print-identity-token)\" $url/health"
fi

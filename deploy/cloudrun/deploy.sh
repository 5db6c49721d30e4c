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
#   GCP_PROJECT      the project (PROJECT_ID and GOOGLE_CLOUD_PROJECT are accepted too); when none is
#                    set, gcloud's own default (`gcloud config set project ...`, as the guides do)
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
#                         made with /key/generate (docs/gateway.md)
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
#   CPU, MEMORY      default 2 and 2Gi (Cloud Run's names: CPU 1, 2, 4, 6 or 8; MEMORY such as 4Gi or 512Mi)
#   TIMEOUT          request timeout in seconds, default 300 (at most 3600); long generations through a
#                    slow instance may need 600
#   CPU_THROTTLING   true (the default: CPU only while requests run, billed per request) or false
#                    (CPU always on, billed per instance)
#   SERVICE_ACCOUNT  the service account the service runs as (default: the project's compute account).
#                    With MODEL_URL=gs://... it needs roles/storage.objectViewer on the bucket
#   MIN_INSTANCES    0 (scale to zero: no cost when idle, cold starts) or 1 (one instance always warm,
#                    billed while idle). Default 0
#   MAX_INSTANCES    default 10
#   MODEL_URL, MODEL_SHA256   optional: download the model at start instead of the one in the image
#                    (https://, or gs://BUCKET/OBJECT from a private bucket as the service's account)
#
# The startup probe (GET /health every 5 s, up to 240 s while the model loads or downloads) and the
# liveness probe are the same as in service.yaml (--startup-probe/--liveness-probe need a recent gcloud:
# `gcloud components update`, or apply service.yaml with `gcloud run services replace`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dry_run=0
with_build=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    --build) with_build=1 ;;
    -h|--help) print_help "$0"; exit 0 ;;
    *) echo "deploy.sh: unknown argument '$arg' (expected --build, --dry-run or --help)" >&2; exit 2 ;;
  esac
done

errors=()
project=$(gcp_project)
[ -n "$project" ] || errors+=("GCP_PROJECT is not set (nor PROJECT_ID, and gcloud has no default project): export GCP_PROJECT=<your Google Cloud project id> or run gcloud config set project <id>")
region=${GCP_REGION:-us-central1}
service=${SERVICE:-customgpt-api}
image=${IMAGE:-$region-docker.pkg.dev/$project/customgpt/modelapi:latest}
access=${ACCESS:-public}
parallel=${PARALLEL:-4}
max_queue=${MAX_QUEUE:-12}
threads=${THREADS:-2}
min_instances=${MIN_INSTANCES:-0}
max_instances=${MAX_INSTANCES:-10}
cpu=${CPU:-2}
memory=${MEMORY:-2Gi}
timeout=${TIMEOUT:-300}
cpu_throttling=${CPU_THROTTLING:-true}

whole() { [[ "$2" =~ ^[0-9]+$ ]] || errors+=("$1='$2' must be a whole number"); }
whole PARALLEL "$parallel"
whole MAX_QUEUE "$max_queue"
whole THREADS "$threads"
whole MAX_INSTANCES "$max_instances"
whole MIN_INSTANCES "$min_instances"
whole TIMEOUT "$timeout"
if [[ "$timeout" =~ ^[0-9]+$ ]] && { [ "$timeout" -lt 1 ] || [ "$timeout" -gt 3600 ]; }; then errors+=("TIMEOUT='$timeout' must be from 1 to 3600 seconds"); fi
[[ "$cpu" =~ ^[0-9]+(\.[0-9]+)?$ ]] || errors+=("CPU='$cpu' must be a number of CPUs such as 1, 2 or 4")
[[ "$memory" =~ ^[0-9]+(Mi|Gi)$ ]] || errors+=("MEMORY='$memory' must be a size such as 2Gi or 512Mi")
case "$cpu_throttling" in
  true) throttling_flag=--cpu-throttling ;;
  false) throttling_flag=--no-cpu-throttling ;;
  *) errors+=("CPU_THROTTLING='$cpu_throttling' must be true or false") ;;
esac
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
# TRUST_FORWARDED_FOR=true: Cloud Run's front end appends the address it took the connection from to
# X-Forwarded-For, so the right-most entry is the caller (RATE_LIMIT_RPM and the access log count that one;
# whatever a caller writes further left is never read). Behind an external Application Load Balancer, which
# appends "<client>,<load-balancer>", set FORWARDED_HOPS=2 instead (docs/gateway.md "Security model: trusted proxies").
env_vars="PARALLEL=$parallel,MAX_QUEUE=$max_queue,THREADS=$threads,TRUST_FORWARDED_FOR=true"
[ -n "${MODEL_URL:-}" ] && env_vars+=",MODEL_URL=$MODEL_URL"
[ -n "${MODEL_SHA256:-}" ] && env_vars+=",MODEL_SHA256=$MODEL_SHA256"

# `deploy` is what runs; `shown` is what is printed: the same words, with an API key value as ***.
deploy=(gcloud run deploy "$service"
  --project="$project"
  --region="$region"
  --image="$image"
  --port=8080
  --memory="$memory"
  --cpu="$cpu"
  --cpu-boost
  "$throttling_flag"
  --timeout="$timeout"
  --concurrency="$concurrency"
  --min-instances="$min_instances"
  --max-instances="$max_instances"
  # 503 while the model loads or downloads, 200 when it can generate: no traffic before that.
  --startup-probe=httpGet.path=/health,httpGet.port=8080,periodSeconds=5,timeoutSeconds=3,failureThreshold=48
  --liveness-probe=httpGet.path=/health,httpGet.port=8080,periodSeconds=30,timeoutSeconds=5,failureThreshold=3)
[ -n "${SERVICE_ACCOUNT:-}" ] && deploy+=(--service-account="$SERVICE_ACCOUNT")
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

# show: prints a command as one line that can be pasted.

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

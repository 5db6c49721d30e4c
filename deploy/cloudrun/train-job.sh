#!/usr/bin/env bash
# Trains a model as a Cloud Run job: the Trainer from ModelApi's image (Trainer.dll sits beside ModelApi.dll),
# reading a text from a Cloud Storage bucket and writing NAME.gguf (with its checkpoint, report and loss curve)
# back to it, where ModelApi loads it (TRAIN_OUTPUT_URL=gs://BUCKET/models; docs/training.md "Cloud Run"). A job has its CPU for the whole run; a
# request-driven service throttles it between requests.
#
#   deploy/cloudrun/train-job.sh [--execute] [--dry-run]
#
#   --execute  also start the job now and wait for it (`gcloud run jobs execute --wait`)
#   --dry-run  print the commands instead of running them
#
# Settings (environment):
#   GCP_PROJECT      the project (PROJECT_ID and GOOGLE_CLOUD_PROJECT are accepted too; else gcloud's default)
#   GCP_REGION       default us-central1
#   JOB              default customgpt-train
#   IMAGE            default $GCP_REGION-docker.pkg.dev/$GCP_PROJECT/customgpt/modelapi:latest (deploy.sh's image)
#   BUCKET           the bucket (required), mounted at /mnt/bucket in the job
#   TEXT             the training text's object in the bucket (required), e.g. texts/my-text.txt
#   NAME             the model's name (required; letters, digits, '-', '_', ':' and '.'): models/NAME.gguf in the bucket
#   PRESET           tiny, small (default) or medium
#   MINUTES          how long to train (default 30), or EPOCHS instead
#   EPOCHS           passes over the text (instead of MINUTES)
#   CONTEXT          a multiple of 256 (default: the preset's)
#   QUANTIZE         q8_0 or q4_0 (default: none, f32)
#   SEED             default 1
#   RESUME           true: go on from models/NAME.ckpt.gguf (the plan given is trained further)
#   CPU, MEMORY      default 4 and 4Gi; the trainer uses one thread per CPU
#   SERVICE_ACCOUNT  the job's account; it needs roles/storage.objectUser on the bucket
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

dry_run=0
execute=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    --execute) execute=1 ;;
    -h|--help) print_help "$0"; exit 0 ;;
    *) echo "train-job.sh: unknown argument '$arg' (expected --execute, --dry-run or --help)" >&2; exit 2 ;;
  esac
done

errors=()
project=$(gcp_project)
[ -n "$project" ] || errors+=("GCP_PROJECT is not set (nor PROJECT_ID, and gcloud has no default project): export GCP_PROJECT=<your Google Cloud project id>")
region=${GCP_REGION:-us-central1}
job=${JOB:-customgpt-train}
image=${IMAGE:-$region-docker.pkg.dev/$project/customgpt/modelapi:latest}
preset=${PRESET:-small}
cpu=${CPU:-4}
memory=${MEMORY:-4Gi}
seed=${SEED:-1}
[ -n "${BUCKET:-}" ] || errors+=("BUCKET is not set: the Cloud Storage bucket holding the text and receiving the model")
[ -n "${TEXT:-}" ] || errors+=("TEXT is not set: the training text's object in the bucket, e.g. texts/my-text.txt")
[ -n "${NAME:-}" ] || errors+=("NAME is not set: the model's name (models/NAME.gguf in the bucket)")
[ -z "${NAME:-}" ] || [[ "$NAME" =~ ^[A-Za-z0-9_.:-]{1,100}$ ]] || errors+=("NAME='$NAME' may have letters, digits, '-', '_', ':' and '.' only")
case "$preset" in tiny|small|medium) ;; *) errors+=("PRESET='$preset' must be tiny, small or medium") ;; esac
if [ -n "${MINUTES:-}" ] && [ -n "${EPOCHS:-}" ]; then errors+=("give MINUTES or EPOCHS, not both"); fi
[[ "$cpu" =~ ^[0-9]+$ ]] || errors+=("CPU='$cpu' must be a whole number of CPUs such as 2, 4 or 8")
[[ "$memory" =~ ^[0-9]+(Mi|Gi)$ ]] || errors+=("MEMORY='$memory' must be a size such as 4Gi or 512Mi")
[[ "$seed" =~ ^[0-9]+$ ]] || errors+=("SEED='$seed' must be a whole number")
number() { [[ "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]] || errors+=("$1='$2' must be a number"); }
[ -z "${MINUTES:-}" ] || number MINUTES "$MINUTES"
[ -z "${EPOCHS:-}" ] || number EPOCHS "$EPOCHS"
[ -z "${CONTEXT:-}" ] || [[ "$CONTEXT" =~ ^[0-9]+$ && $((CONTEXT % 256)) -eq 0 ]] || errors+=("CONTEXT='${CONTEXT:-}' must be a multiple of 256")
case "${QUANTIZE:-}" in ""|q8_0|q4_0) ;; *) errors+=("QUANTIZE='$QUANTIZE' must be q8_0 or q4_0") ;; esac
case "${RESUME:-false}" in true|false) ;; *) errors+=("RESUME='$RESUME' must be true or false") ;; esac

if [ ${#errors[@]} -gt 0 ]; then
  printf 'train-job.sh: %s\n' "${errors[@]}" >&2
  exit 1
fi

# The task runs at most the plan's minutes plus half an hour (loading, validation, the final model and samples);
# a plan in epochs gets Cloud Run's longest task (24 h).
if [ -n "${EPOCHS:-}" ]; then
  plan="--epochs,$EPOCHS"
  task_timeout=86400
else
  minutes=${MINUTES:-30}
  plan="--minutes,$minutes"
  task_timeout=$(( ${minutes%.*} * 60 + 1800 ))
  [ "$task_timeout" -le 86400 ] || task_timeout=86400
fi
mount=/mnt/bucket
out="$mount/models/$NAME.gguf"
# The trainer runs with ModelApi's runtime config and dependency list, as ModelApi runs it for /v1/fine_tuning/jobs.
args="exec,--runtimeconfig,ModelApi.runtimeconfig.json,--depsfile,ModelApi.deps.json,Trainer.dll,train"
args+=",--text,$mount/$TEXT,--out,$out,--threads,$cpu,--seed,$seed,--name,$NAME,$plan"
if [ "${RESUME:-false}" = true ]; then
  args+=",--resume,$mount/models/$NAME.ckpt.gguf"
else
  args+=",--preset,$preset"
  [ -z "${CONTEXT:-}" ] || args+=",--context,$CONTEXT"
fi
[ -z "${QUANTIZE:-}" ] || args+=",--quantize,$QUANTIZE"

deploy=(gcloud run jobs deploy "$job"
  --project="$project"
  --region="$region"
  --image="$image"
  --cpu="$cpu"
  --memory="$memory"
  --task-timeout="${task_timeout}s"
  --max-retries=0
  --add-volume="name=bucket,type=cloud-storage,bucket=$BUCKET"
  --add-volume-mount="volume=bucket,mount-path=$mount"
  --command=dotnet
  --args="$args")
[ -n "${SERVICE_ACCOUNT:-}" ] && deploy+=(--service-account="$SERVICE_ACCOUNT")
run=(gcloud run jobs execute "$job" --project="$project" --region="$region" --wait)


if [ "$dry_run" = 1 ]; then
  show "${deploy[@]}"
  if [ "$execute" = 1 ]; then show "${run[@]}"; fi
  exit 0
fi

command -v gcloud >/dev/null 2>&1 || { echo "train-job.sh: gcloud is not installed (https://cloud.google.com/sdk/docs/install)" >&2; exit 1; }
echo "+ $(show "${deploy[@]}")"
"${deploy[@]}"
if [ "$execute" = 1 ]; then
  echo "+ $(show "${run[@]}")"
  "${run[@]}"
  echo
  echo "Model: gs://$BUCKET/models/$NAME.gguf (report: gs://$BUCKET/models/$NAME.report.md); ModelApi with TRAIN_OUTPUT_URL=gs://$BUCKET/models serves it"
else
  echo "Start it with: $(show "${run[@]}")"
fi

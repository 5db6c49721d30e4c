# Sourced by deploy.sh and teardown.sh.
# show: one shell line per command, plain words as they are and others in single quotes, so it can be pasted.
show() {
  local w out=()
  for w in "$@"; do
    if [[ "$w" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=("$w"); else out+=("'${w//\'/\'\\\'\'}'"); fi
  done
  echo "${out[*]}"
}

#!/usr/bin/env bash
# Smoke test of a Stagecraft installation on a real cluster: the manifests are accepted by the API server, the
# runtime's rights are what 10-rbac.yaml says, and a pull request becomes a fenced, serving environment that leaves
# nothing behind when it is closed.
#
# Needs kubectl (its current context is the cluster), curl, jq and openssl, and:
#   STAGECRAFT_URL     the gateway's base URL, e.g. https://stagecraft.example.com
#   STAGECRAFT_TOKEN   an admin API token
#   SMOKE_REPOSITORY   a git repository URL the build-service can clone (https)
#   SMOKE_TEMPLATE     a file holding the Application Template to register (its services' Dockerfiles in that
#                      repository; host names under STAGECRAFT_ALLOWED_HOST_SUFFIXES)
#   SMOKE_BRANCH       the pull request's branch (default: main)
#   SMOKE_COMMIT       its head commit (default: the branch's head, from git ls-remote)
#   SMOKE_TIMEOUT      seconds to wait for READY and for DELETED (default: 900)
#   SMOKE_DATASET      optional: a dataset the stage services configure (stagecraft.datasets.<name>.*) and the
#                      template's environment lists for one of its services; then its pool on the cluster (snapshot
#                      made by its restore or seed Job, copies cloned by the StorageClass's CSI driver), the checkout
#                      into the environment and the copy's volume gone after the close are checked too
# Exits 0 when every check passed; prints what failed otherwise. It registers an application named smoke-<random>,
# which stays registered (the API has no route to remove an application); its environment is gone at the end.
set -euo pipefail
cd "$(dirname "$0")"

: "${STAGECRAFT_URL:?the gateway URL}" "${STAGECRAFT_TOKEN:?an admin API token}"
: "${SMOKE_REPOSITORY:?a git repository URL}" "${SMOKE_TEMPLATE:?a template file}"
BRANCH=${SMOKE_BRANCH:-main}
TIMEOUT=${SMOKE_TIMEOUT:-900}
COMMIT=${SMOKE_COMMIT:-$(git ls-remote "$SMOKE_REPOSITORY" "refs/heads/$BRANCH" | cut -f1)}
[ -n "$COMMIT" ] || { echo "no commit for branch $BRANCH in $SMOKE_REPOSITORY" >&2; exit 2; }

failures=0
check() { # check <description> <command...>
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
api() { # api <method> <path> [json]
  curl -sS -X "$1" -H "Authorization: Bearer $STAGECRAFT_TOKEN" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$STAGECRAFT_URL$2"
}
webhook() { # webhook <action>
  local body signature
  body=$(jq -cn --arg action "$1" --arg ref "$BRANCH" --arg sha "$COMMIT" --arg url "$SMOKE_REPOSITORY" \
    --arg name "smoke/$APP" '{action: $action, number: 1, pull_request: {number: 1,
      state: (if $action == "closed" then "closed" else "open" end), merged: false,
      head: {ref: $ref, sha: $sha, repo: {full_name: $name}}, base: {repo: {full_name: $name}}},
      repository: {full_name: $name, clone_url: $url, html_url: ($url | sub("\\.git$"; ""))},
      sender: {login: "stagecraft-smoke"}}')
  signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" -r | cut -d' ' -f1)
  curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H 'X-GitHub-Event: pull_request' -H "X-GitHub-Delivery: $(openssl rand -hex 16)" \
    -H "X-Hub-Signature-256: sha256=$signature" --data "$body" "$STAGECRAFT_URL/webhooks/github"
}
await_state() { # await_state <environment id> <state>
  local deadline=$((SECONDS + TIMEOUT)) state
  while [ $SECONDS -lt $deadline ]; do
    state=$(api GET "/api/environments/$1" | jq -r '.state // empty')
    [ "$state" = "$2" ] && return 0
    [ "$state" = FAILED ] && { api GET "/api/environments/$1" | jq -r '.reason' >&2; return 1; }
    sleep 5
  done
  return 1
}

echo "== manifests and rights"
check "every manifest is accepted by the API server (dry run)" kubectl apply --dry-run=server -f .
check "the runtime cannot read Secrets outside environment namespaces" \
  bash -c '! kubectl auth can-i get secrets -n kube-system --as=system:serviceaccount:stagecraft:stagecraft-runtime'
check "the runtime cannot create Deployments outside environment namespaces" \
  bash -c '! kubectl auth can-i create deployments -n default --as=system:serviceaccount:stagecraft:stagecraft-runtime'
check "the runtime can create namespaces" \
  kubectl auth can-i create namespaces --as=system:serviceaccount:stagecraft:stagecraft-runtime
check "the gateway answers" curl -sSf "$STAGECRAFT_URL/q/health/ready"

if [ -n "${SMOKE_DATASET:-}" ]; then
  echo "== dataset $SMOKE_DATASET"
  RUNTIME_SA=system:serviceaccount:stagecraft:stagecraft-runtime
  check "the datasets namespace lets no pod send or receive by default" \
    kubectl get networkpolicy stagecraft-datasets-default-deny -n stagecraft-datasets
  check "the runtime can make Jobs and seed databases in the datasets namespace" bash -c "kubectl auth can-i create \
    jobs -n stagecraft-datasets --as=$RUNTIME_SA && kubectl auth can-i create deployments -n stagecraft-datasets \
    --as=$RUNTIME_SA"
  check "the runtime can move a copy's volume to an environment's claim" \
    kubectl auth can-i update persistentvolumes --as=$RUNTIME_SA
  pool_ready() {
    local deadline=$((SECONDS + TIMEOUT))
    while [ $SECONDS -lt $deadline ]; do
      api GET "/api/datasets/$SMOKE_DATASET?runtime=kubernetes" | jq -e '.snapshot and .ready > 0' >/dev/null \
        && return 0
      sleep 5
    done
    return 1
  }
  check "its snapshot is made and a copy is ready within $TIMEOUT s" pool_ready
  echo "      its pool: $(api GET "/api/datasets/$SMOKE_DATASET?runtime=kubernetes")"
  check "its snapshot and copies are claims of the datasets namespace" bash -c "kubectl get pvc -n stagecraft-datasets \
    -l stagecraft.dev/dataset=$SMOKE_DATASET -o json | jq -e '[.items[] | select(.status.phase == \"Bound\")] \
    | length >= 2'"
fi

echo "== a pull request environment"
APP=smoke-$(openssl rand -hex 3)
SECRET=$(openssl rand -hex 24)
registered=$(api POST /api/applications "$(jq -cn --arg name "$APP" --arg url "$SMOKE_REPOSITORY" \
  --arg secret "$SECRET" --rawfile template "$SMOKE_TEMPLATE" '{name: $name, runtime: "kubernetes",
  repository: {url: $url, provider: "github"}, webhookSecret: $secret, template: $template}')")
APP_ID=$(jq -r '.id // empty' <<<"$registered")
[ -n "$APP_ID" ] || { echo "registering $APP was refused: $registered" >&2; exit 1; }
check "the pull request opened is accepted (202)" test "$(webhook opened)" = 202
ENV_ID=""
for _ in $(seq 1 60); do
  ENV_ID=$(api GET "/api/environments?application=$APP_ID" | jq -r '.[0].id // empty')
  [ -n "$ENV_ID" ] && break
  sleep 2
done
[ -n "$ENV_ID" ] || { echo "no environment for $APP" >&2; exit 1; }
NS=sc-$ENV_ID
echo "environment $ENV_ID in namespace $NS"
check "the environment is READY within $TIMEOUT s" await_state "$ENV_ID" READY
for url in $(api GET "/api/environments/$ENV_ID" | jq -r '.endpoints // {} | .[]' | grep -E '^https?://[^/]*\.' \
    | grep -v '\.svc\.cluster\.local'); do
  check "$url answers" curl -sSf --retry 10 --retry-delay 3 --retry-all-errors -o /dev/null "$url"
done
check "the namespace is labelled as Stagecraft's" kubectl get ns "$NS" -l app.kubernetes.io/managed-by=stagecraft \
  -o name
check "Pod Security is enforced on the namespace" bash -c "kubectl get ns '$NS' -o json \
  | jq -e '.metadata.labels[\"pod-security.kubernetes.io/enforce\"] | test(\"restricted|baseline\")'"
check "the isolation NetworkPolicy is in place" kubectl get networkpolicy stagecraft-isolation -n "$NS"
check "the quota and the limits are in place" kubectl get resourcequota,limitrange -n "$NS" -o name
check "every Deployment has rolled out" kubectl rollout status deployment -n "$NS" --timeout=60s
if [ -n "${SMOKE_DATASET:-}" ]; then
  check "the environment's copy of $SMOKE_DATASET is bound to its claim" bash -c "kubectl get pvc \
    'dataset-$SMOKE_DATASET' -n '$NS' -o jsonpath='{.status.phase}' | grep -qx Bound"
  check "the copy's volume is labelled with the environment and kept while it runs" bash -c "kubectl get pv \
    -l stagecraft.dev/environment=$ENV_ID,stagecraft.dev/dataset=$SMOKE_DATASET -o json \
    | jq -e '.items | length == 1 and .[0].spec.persistentVolumeReclaimPolicy == \"Retain\"'"
fi

echo "== closing the pull request"
check "the pull request closed is accepted (202)" test "$(webhook closed)" = 202
check "the environment is DELETED within $TIMEOUT s" await_state "$ENV_ID" DELETED
check "its namespace is gone" kubectl wait --for=delete "namespace/$NS" --timeout=300s
# kubectl must answer: an empty list from a call that failed proves nothing
check "nothing labelled with the environment is left in the cluster" bash -c "left=\$(kubectl get \
  all,secrets,ingresses,pvc,networkpolicies -A -l stagecraft.dev/environment=$ENV_ID -o name) && [ -z \"\$left\" ]"
check "no volume of the environment is left (a dataset copy's included)" bash -c "left=\$(kubectl get pv \
  -l stagecraft.dev/environment=$ENV_ID -o name) && [ -z \"\$left\" ]"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "every check passed"

#!/usr/bin/env bash
# Validates a published Kubernetes tree with tools independent of the code that wrote it: the
# Kubernetes, KEDA and Dapr checks of validate.mjs (kubernetes-models, pinned in package-lock.json and
# installed into node_modules here on the first run), then yamllint (Debian: apt-get install yamllint).
#   tests/Deployment.Tests/validate/validate.sh <published folder>
#   tests/Deployment.Tests/validate/validate.sh install     only install the npm packages
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
command -v npm >/dev/null || { echo "Node.js and npm are needed: apt-get install nodejs npm" >&2; exit 1; }
if [ ! -d "$here/node_modules/kubernetes-models" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
[ "$1" != install ] || exit 0
tree=$(cd "$1" && pwd)
command -v yamllint >/dev/null || { echo "yamllint is needed: apt-get install yamllint" >&2; exit 1; }
node "$here/validate.mjs" "$tree"
yamllint --strict -c "$here/yamllint.yaml" "$tree"
echo "yamllint: no problems"

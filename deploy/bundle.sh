#!/bin/sh
# Builds the production bundles that the images run, in a build context (the repository root after
# .dockerignore). The Dockerfile runs it, and so does deploy/test/bundle.test.ts, so that what is tested is
# what ships.
#
#   sh deploy/bundle.sh OUT
#
# OUT/apps/api          the API (main.js, token.js) with its production node_modules
# OUT/apps/worker       the worker with its production node_modules
# OUT/apps/all-in-one   the API and a worker in one process, with its production node_modules
# OUT/models/traffic-signs   the bundled model and its metadata
set -eu
out="$1"

pnpm install --frozen-lockfile
pnpm exec turbo run build --filter=@visionq/api... --filter=@visionq/worker... --filter=@visionq/all-in-one... --output-logs=errors-only
# pnpm 10's default deploy needs injected workspace packages; the legacy one copies each package's `files`.
# One after the other: three deploys side by side from the same workspace were seen to hang, all three idle, for
# good (twice in a row here), and each takes only seconds.
for target in api worker all-in-one; do
  pnpm --filter="@visionq/$target" deploy --prod --legacy "$out/apps/$target"
done

# onnxruntime-node ships binaries for every OS (~220 MB of darwin and win32); the images only run on Linux.
for bin in "$out"/apps/*/node_modules/.pnpm/onnxruntime-node@*/node_modules/onnxruntime-node/bin/napi-*; do
  find "$bin" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
done

mkdir -p "$out/models/traffic-signs"
cp models/traffic-signs/traffic-signs.onnx models/traffic-signs/traffic-signs.json "$out/models/traffic-signs/"

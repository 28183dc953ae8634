#!/usr/bin/env bash
# Builds liftoff's release archives and their checksums, as .goreleaser.yaml
# does for a tag, for when GoReleaser is not at hand:
#
#   scripts/release.sh [VERSION]
#
# VERSION defaults to `git describe --tags --always --dirty` (v1.2.3 on a
# tag). Environment: TARGETS, the GOOS/GOARCH pairs to build (default: linux,
# darwin and windows on amd64 and arm64); DIST, the folder to write (default
# dist; it must not exist or be empty). Each target gives one archive,
# liftoff_VERSION_OS_ARCH.tar.gz (.zip for windows), holding the static
# binary and the README; DIST/checksums.txt has their SHA-256 sums, in the
# format `sha256sum -c` checks. cmd/liftoff/release_test.go runs it for one
# target.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
revision="$(git rev-parse HEAD 2>/dev/null || true)"
commit_time="$(TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd 2>/dev/null || true)"
targets="${TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}"
dist="${DIST:-dist}"

case "$version" in
  *[!A-Za-z0-9._+-]*) echo "release: version \"$version\" may hold only letters, digits and . _ + -" >&2; exit 2 ;;
esac
if [ -e "$dist" ] && [ -n "$(ls -A "$dist")" ]; then
  echo "release: $dist is not empty; remove it or set DIST" >&2
  exit 2
fi
mkdir -p "$dist"
dist="$(cd "$dist" && pwd)"

# The same flags as the Dockerfile and .goreleaser.yaml: a static binary
# (no cgo), no local paths in it, and the version stamped at link time
# (the module has no VCS data once copied into an archive builder).
ldflags="-s -w -X main.buildVersion=$version -X main.buildRevision=$revision -X main.buildTime=$commit_time"
# Archives hold the commit's time, not the build's, so the same commit
# gives the same archive bytes.
mtime="${commit_time:-1970-01-01T00:00:00Z}"

archives=()
for target in $targets; do
  os="${target%/*}"
  arch="${target#*/}"
  name="liftoff_${version#v}_${os}_${arch}"
  exe=liftoff
  if [ "$os" = windows ]; then exe=liftoff.exe; fi
  stage="$dist/$name"
  mkdir -p "$stage"
  echo "release: building $os/$arch"
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$stage/$exe" ./cmd/liftoff
  cp README.md "$stage/"
  touch -d "$mtime" "$stage" "$stage"/*
  if [ "$os" = windows ]; then
    (cd "$dist" && TZ=UTC zip -q -X -r "$name.zip" "$name")
    archives+=("$name.zip")
  else
    tar -C "$dist" --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" -cf - "$name" | gzip -n > "$dist/$name.tar.gz"
    archives+=("$name.tar.gz")
  fi
  rm -rf "$stage"
done
(cd "$dist" && sha256sum "${archives[@]}" > checksums.txt)
echo "release: ${#archives[@]} archive(s) and checksums.txt in $dist"

# liftoff as a container image: a static binary on distroless, run as a
# non-root user, with CA certificates for https targets.
#
#   docker build -t liftoff \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" liftoff run launch.yaml --json results.json
#
# cmd/liftoff/dockerfile_test.go runs this file's `go build` line as written
# (base images cannot be pulled everywhere the tests run) and checks that
# the binary is static and reports the version given here.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The platform to build for; BuildKit sets both (docker buildx build
# --platform linux/arm64), and the builder runs natively either way.
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG REVISION=
ARG COMMIT_TIME=
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.buildVersion=$VERSION -X main.buildRevision=$REVISION -X main.buildTime=$COMMIT_TIME" \
      -o /out/liftoff ./cmd/liftoff

# distroless/static holds CA certificates, /etc/passwd with the nonroot
# user (65532) and nothing else: no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/liftoff /usr/local/bin/liftoff
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/liftoff"]
CMD ["--help"]

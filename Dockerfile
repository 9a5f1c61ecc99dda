# Container image of the chat server for Cloud Run (and any container host).
#
#   docker build -t chat .
#   docker run -p 8080:8080 -e REDIS_ADDRESS=host.docker.internal:6379 chat
#
# Stage 1 compiles a static binary; stage 2 is distroless: no shell, no
# package manager, CA certificates for rediss:// included, running as the
# unprivileged user "nonroot".

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that editing code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The browser client (client/) is embedded into the binary by go:embed.
# CGO_ENABLED=0: a static binary, which is all distroless/static can run.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /server
USER nonroot:nonroot
# Cloud Run sets PORT; the server listens on it (8080 when run elsewhere).
ENV PORT=8080
EXPOSE 8080
ENTRYPOINT ["/server"]

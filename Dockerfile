# syntax=docker/dockerfile:1
# Veza node image: the web client built in a Node stage, a release build in a Rust builder,
# both run as non-root on slim Debian.

# The web client (web/ -> web/dist): Vite needs Node >= 20.19.
FROM node:20.19-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web ./
RUN npm run build

FROM rust:1.95-slim-bookworm AS builder
WORKDIR /src
# libopus: Opus decoding for uploaded tracks (symphonia has no Opus decoder).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopus-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
# Dependency layer: manifests only, with stub sources, so code changes do not rebuild dependencies.
COPY Cargo.toml Cargo.lock ./
COPY core/Cargo.toml core/Cargo.toml
COPY actors/Cargo.toml actors/Cargo.toml
COPY loadtests/Cargo.toml loadtests/Cargo.toml
COPY loadtests/peers/bare/Cargo.toml loadtests/peers/bare/Cargo.toml
# The server API's .proto, compiled by build.rs with protox (pure Rust: no protoc in the image).
COPY build.rs ./
COPY proto proto
RUN mkdir -p src core/src actors/src loadtests/src loadtests/peers/bare/src \
    && echo 'fn main() {}' > src/main.rs && touch src/lib.rs core/src/lib.rs actors/src/lib.rs \
    && echo 'fn main() {}' > loadtests/src/main.rs && echo 'fn main() {}' > loadtests/peers/bare/src/main.rs \
    && cargo build --release --locked -p veza \
    && rm -rf src core/src actors/src loadtests/src loadtests/peers/bare/src
# The application itself (config/ and migrations/ are compiled in).
COPY . .
RUN touch src/main.rs src/lib.rs core/src/lib.rs actors/src/lib.rs \
    && cargo build --release --locked -p veza --bin veza

FROM debian:bookworm-slim AS runtime
# Unpinned on purpose: the runtime should take Debian's security updates at each build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl libopus0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin veza \
    && mkdir -p /var/lib/veza/blobs /var/lib/veza/search \
    && chown -R 10001 /var/lib/veza
COPY --from=builder /src/target/release/veza /usr/local/bin/veza
COPY config /etc/veza/config
COPY --from=web /web/dist /usr/share/veza/web
ENV VEZA_ENV=production \
    VEZA_CONFIG_DIR=/etc/veza/config \
    VEZA__WEB__DIR=/usr/share/veza/web \
    VEZA__SERVER__HOST=0.0.0.0 \
    VEZA__SERVER__PORT=8080
USER 10001
# Blobs (tracks.storage_url, unless on S3) and this node's search index: mount volumes here.
VOLUME ["/var/lib/veza"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["/usr/local/bin/veza"]
CMD ["serve"]

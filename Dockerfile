# mpcstats image: the party and coordinator binaries on Debian 12.
#   docker build -t mpcstats:latest .      (or docker-compose up --build; see docker-compose.yml)
# Entry points are the binaries themselves, with the same flags the tests use, e.g.
#   mpcstats-party --roster R --id party1 --cert C --key K --ca CA --users 1000 --seed 42 --out /results
#   mpcstats-coordinator --roster R --cert C --key K --ca CA --out /results

# ---- build stage: the project's own scripts, so the image builds exactly as CI does
FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The packages first, in a layer of their own: a source change rebuilds only the layer below.
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh --build-only
# Only what building the two binaries reads: editing a script, a test or a document keeps the
# cached build layer. No tests (BUILD_TESTING=OFF), no benchmarks, no fuzz targets.
COPY CMakeLists.txt ./
COPY proto proto
COPY common common
COPY party party
COPY coordinator coordinator
COPY scripts/build.sh scripts/build.sh
COPY scripts/lib scripts/lib
RUN MPC_DEPS_PROFILE=build scripts/build.sh --build-dir /src/build --type Release -- -DBUILD_TESTING=OFF \
 && strip build/party/mpcstats-party build/coordinator/mpcstats-coordinator

# ---- runtime stage: shared libraries only (Boost.Asio, CLI11 and nlohmann-json are header-only)
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends libprotobuf32 libssl3 libspdlog1.10 libfmt9 libpq5 libsqlite3-0 openssl \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/party/mpcstats-party /src/build/coordinator/mpcstats-coordinator /usr/local/bin/
COPY scripts /opt/mpcstats/scripts
# scripts/ is there for gen-certs.sh (openssl); the other scripts are meant for a host with
# scripts/install-deps.sh's packages. Keep the scripts from calling apt-get inside the container.
ENV MPC_DEPS_CHECKED=1
# Fails the build if a shared library is missing.
RUN mpcstats-party --help >/dev/null && mpcstats-coordinator --help >/dev/null
WORKDIR /opt/mpcstats
# Runs as root: the private keys are bind-mounted from the host with mode 600.
EXPOSE 7000-7099
CMD ["mpcstats-coordinator", "--help"]

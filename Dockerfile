# syntax=docker/dockerfile:1
# R2Gateway container image.
#
#   docker build -t r2gateway .
#   docker run -p 8080:8080 -v r2data:/data r2gateway
#
# The filesystem store keeps the bucket in the /data volume. To serve R2 or another S3 server
# instead, pass the settings as environment variables (see README.md), e.g.
#   -e Storage__Provider=S3 -e Storage__S3__AccountId=... -e Storage__S3__Bucket=...

# ---------------------------------------------------------------- build
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The build fetches the upload page's Uppy with npm (pinned by ClientApp/package-lock.json).
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Restore first, from the files that decide it, so the package layer is cached across source edits.
# .editorconfig carries analyzer settings; warnings are errors, so the build needs it too.
# appsettings.json is linked into the project (../../appsettings.json) and ships beside the dll.
COPY Directory.Build.props Directory.Packages.props .editorconfig appsettings.json ./
COPY src/R2Gateway/R2Gateway.csproj src/R2Gateway/
RUN dotnet restore src/R2Gateway/R2Gateway.csproj

COPY src/R2Gateway/ src/R2Gateway/
RUN dotnet publish src/R2Gateway -c Release -o /app --no-restore

# ---------------------------------------------------------------- runtime
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime

# The bucket lives in /data, owned by the image's non-root user (app, UID 1654 = $APP_UID).
RUN mkdir -p /data && chown "$APP_UID:$APP_UID" /data

WORKDIR /app
COPY --from=build /app ./

# Urls replaces the image's ASPNETCORE_HTTP_PORTS (emptied so Kestrel does not warn about the override).
# DOTNET_GCgen0size: a 32 MiB young generation instead of the cache-sized ~2 MiB the runtime picks here,
# so a small request's ~9 KiB of garbage is collected about 16 times less often (benchmarks.md, "The young
# generation"); the runtime reads it from the environment only. bench/run.sh starts the gateway with it.
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_GCgen0size=0x2000000 \
    ASPNETCORE_HTTP_PORTS= \
    Urls=http://0.0.0.0:8080 \
    S3Api__Urls=http://0.0.0.0:8788 \
    Storage__FileSystem__Root=/data

VOLUME /data
EXPOSE 8080 8788
USER $APP_UID

# The aspnet image has no curl or wget. Rather than installing one, the check uses bash's
# /dev/tcp (bash is part of the base image): a plain HTTP/1.0 GET of /healthz on the port that
# Urls above binds, healthy when the status line says 200. If you change Urls, change the port here.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["dotnet", "R2Gateway.dll"]

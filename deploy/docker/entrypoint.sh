#!/bin/sh
# Entry point of the Ashyq image.
#   web SVC      gunicorn serving services.SVC.app:create_app() on ASHYQ_<SVC>_PORT
#   worker SVC   python -m services.SVC.worker
#   setup        Kafka topics, database migrations, dev JWT keys (one-shot, idempotent)
#   bootstrap    python -m services.SVC.cli bootstrap for every service that has a cli (one-shot)
#   anything else is executed as given.
set -eu

prom_reset() {
    # Metrics of a previous run of this container would be summed with the new ones.
    rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}"/* 2>/dev/null || true
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
}

case "${1:-}" in
web)
    svc="$2"
    port_var="ASHYQ_$(echo "$svc" | tr a-z A-Z)_PORT"
    port="$(printenv "$port_var" || true)"
    prom_reset
    exec gunicorn --bind "0.0.0.0:${port:?$port_var is not set}" \
        --workers "${ASHYQ_WEB_WORKERS:-3}" --worker-class gthread --threads 4 \
        --timeout 120 --graceful-timeout 20 --no-control-socket \
        --name "ashyq-$svc" "services.$svc.app:create_app()"
    ;;
worker)
    prom_reset
    exec python -m "services.$2.worker"
    ;;
setup)
    exec sh /app/deploy/docker/setup.sh
    ;;
bootstrap)
    for svc in budget appeals media notify; do
        if [ -f "services/$svc/cli.py" ]; then
            echo "bootstrap: $svc"
            python -m "services.$svc.cli" bootstrap
        fi
    done
    ;;
*)
    exec "$@"
    ;;
esac

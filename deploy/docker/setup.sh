#!/bin/sh
# One-shot setup job of docker-compose.yml (idempotent): the same steps the local launcher
# runs after starting the infrastructure.
set -eu
cd /app

echo "setup: waiting for Kafka at $ASHYQ_KAFKA_BOOTSTRAP"
python deploy/local/kafka_admin.py --bootstrap "$ASHYQ_KAFKA_BOOTSTRAP" ping --timeout 180
partitions="$(python -c 'from services.common import topics; print(topics.PARTITIONS)')"
python deploy/local/kafka_admin.py --bootstrap "$ASHYQ_KAFKA_BOOTSTRAP" ensure-topics \
    --partitions "$partitions" $(python -c 'from services.common import topics; print(*topics.ALL_TOPICS)')

for svc in budget appeals media notify; do
    if [ -f "services/$svc/alembic.ini" ]; then
        echo "setup: migrating $svc"
        alembic -c "services/$svc/alembic.ini" upgrade head
    fi
done

python - <<'PY'
"""Dev Ed25519 JWT key pair, created once in the shared keys volume."""
import os
from pathlib import Path
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

priv = Path(os.environ["ASHYQ_JWT_PRIVATE_KEY_FILE"])
pub = Path(os.environ["ASHYQ_JWT_PUBLIC_KEY_FILE"])
if not (priv.exists() and pub.exists()):
    key = Ed25519PrivateKey.generate()
    priv.parent.mkdir(parents=True, exist_ok=True)
    priv.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(priv, 0o640)
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    print(f"setup: generated JWT keys in {priv.parent}")
PY
echo "setup: done"

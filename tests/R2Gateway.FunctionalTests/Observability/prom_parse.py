"""Parses Prometheus text exposition (stdin) with the reference Python client's parser and prints
every sample as JSON: [{"name", "labels", "value"}]. A malformed exposition fails here."""
import json
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # a python3 other than Debian's (pyenv): Debian's python3-prometheus-client is pure Python
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append({"name": s.name, "labels": s.labels, "value": s.value, "type": family.type})
json.dump(samples, sys.stdout)

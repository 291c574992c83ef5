"""Paced GETs against a pasaprod server over one keep-alive connection: RATE requests a second
for SECONDS (a client that does not overload the server, so the figure is the latency a person
sees, not a queue), then prints JSON: count, errors, p50_ms, p99_ms, max_ms.

    /usr/bin/python3 latency.py PORT PATH SECONDS RATE     (bearer token in PASAPROD_BENCH_TOKEN)
"""
import http.client
import json
import os
import sys
import time


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[i]


def main():
    port, path, seconds, rate = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    headers = {"Authorization": "Bearer " + os.environ["PASAPROD_BENCH_TOKEN"]}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    start = time.monotonic()
    n = 0
    while True:
        due = start + n / rate
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        t0 = time.monotonic()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.monotonic() - t0) * 1000)
        n += 1
    latencies.sort()
    print(json.dumps({"count": len(latencies), "errors": errors, "p50_ms": percentile(latencies, 50),
                      "p99_ms": percentile(latencies, 99), "max_ms": latencies[-1] if latencies else None}))


if __name__ == "__main__":
    main()

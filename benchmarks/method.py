"""The prose of RESULTS.md: how each figure is measured, and what missed goals are explained by."""

from __future__ import annotations

from pathlib import Path

from .report import Row

METHOD = """
`make bench` runs `python -m benchmarks.run` (`make bench QUICK=1` adds `--quick`: one short run of
every row, used by `tests/test_bench_smoke.py` inside `make test` so the script cannot rot; its
figures are a smoke check only, and it overlaps the synthesis with the server rows).

- **Runs.** This run: {runs}. Order: users, image, soak, tool calls, deployed path, servers, synthesis
  (timings last). Server rows interleave ours, the peer and the floor; the full mode
  first starts each once unmeasured, so byte-code compilation is not counted. Every run starts fresh
  processes. Cells show the median over runs and (min–max).
- **Synthesis.** `python main.py` (every file in `environments/`) against the floor
  `benchmarks/floor_synth.py`: it loads the provider binding through `modules/aws.py` and
  synthesizes one `aws_s3_bucket`. Wall time from `Popen` to exit; peak RSS is the sum over the
  process tree (Python and jsii's Node.js child), sampled from `/proc` every 20 ms.
- **Cold start.** From `Popen` to the first `200` on `GET /health`, polled every 5 ms. Ours:
  `python -m workspace_mcp_server` in single-user mode, complete tier. The peer: its console script
  `workspace-mcp --transport streamable-http --single-user --tool-tier complete`, which serves
  `/health` from `core/server.py`. The floor: `benchmarks/floor_server.py`, a one-tool FastMCP 4
  server with a `/health` route. Every run then lists the tools to confirm every tool is loaded.
- **tools/list.** A minimal MCP streamable-HTTP client (`benchmarks/mcp_http.py`, protocol
  2025-06-18, one HTTP request per JSON-RPC call, shared by all servers): initialize, one untimed
  `tools/list`, then N timed ones on the same session; p50/p99 per run by nearest rank. Size per
  tool: the compact UTF-8 JSON of the `tools` array (what a client hands the model) / tool count.
- **Peak RSS.** `VmHWM` from `/proc/<pid>/status` after start-up and the `tools/list` loop.
- **Tool calls.** `search_gmail_messages(query="Report", page_size=10)` through MCP against the
  Google API stand-in (`tests/fakes/google_api.py`, run in its own process by
  `benchmarks/google_standin.py`), single-user mode. Concurrency 1 (sequential calls) and 50 (50
  clients, each with its own session, calling in a loop). The floor sends the very Google requests
  one call made (recorded by the stand-in) straight to the stand-in, in the same pattern (list, then
  the gets concurrently), from the same client process; overhead = ours − floor. The first call of
  each server process is reported separately (it builds the Gmail service object).
- **Deployed path.** `benchmarks/deployed.py`: what a task in AWS runs. Multi-user OAuth mode with
  the token store on moto's S3 behind `tests/fakes/fault_proxy.py` (+15 ms on every S3 request),
  Google behind the HTTPS front of `benchmarks/tls_google.py` (+30 ms on every request, tokeninfo
  included; a throwaway CA made at run time with `cryptography`, trusted by the server through
  `SSL_CERT_FILE` for httpx2, `HTTPLIB2_CA_CERTS` for googleapiclient and `REQUESTS_CA_BUNDLE` for
  google-auth; the fault proxy cannot stand there: it speaks plain HTTP and closes every connection,
  and handshakes and connection reuse are part of what is measured). The front answers tokeninfo
  from the OAuth stand-in's grants and replays the strict
  API stand-in's answer to each repeated request (the first of each is checked against the
  discovery documents), so it is never the bottleneck: the throughput rows show it alone, at the
  same concurrency, serving several times what the server does. Users sign in through the real
  OAuth flow ({deployed_users}). Auth overhead: a JSON-RPC `ping` with a token's first request, then
  steady state, against the same `ping` on the same server code in single-user mode (no auth).
  Google and S3 requests and new TLS connections per tool call are counted at the front and the S3
  proxy over sequential calls, after every token's first request. Throughput: 50 and 200 clients,
  each its own MCP session, on the users' tokens round-robin; calls per second over the loop's wall
  time; CPU seconds of the server process (`/proc`, user + system) per 1,000 calls. The floor
  ("minimal async client") sends the tool's recorded Google requests (the list, then the gets
  concurrently) over TLS on kept-alive asyncio connections, from the benchmark's process (its CPU
  is that process's).
- **Soak.** `benchmarks/soak.py` with the driver `tests/faults/soak.py` (the test suite runs it for
  seconds): two server processes in multi-user OAuth mode behind the nginx ALB stand-in
  (`tests/fakes/nginx_alb.py`, round robin), the token store on moto's S3, both Google stand-ins.
  N users sign in through the real OAuth flow; 100 MCP sessions (protocol 2025-11-25) on their
  tokens round-robin call `list_gmail_labels` in a loop, bounded in time and in calls, after a
  warm-up at full concurrency. Every failed call counts as an error. Each process's RSS, open file
  descriptors and threads (`/proc`) are sampled every second; growth is reported start to end, and
  leaks are judged by the second half's peak over the first half's (connection and thread pools reach
  their peak early, a leak keeps setting new ones).
- **Users.** Multi-user mode (`MCP_ENABLE_OAUTH21=true`, FastMCP OAuth proxy, encrypted local token
  store) against both Google stand-ins. After 3 warm-up users, N distinct users (each sign-in is
  approved by a new Google account at the OAuth stand-in), 8 at a time, each run the whole MCP OAuth
  flow with a fresh client (RFC 9728/8414 discovery, dynamic client registration, authorize +
  consent, PKCE, token) and make one Gmail search call with their own bearer token. Growth = VmRSS
  after the last user − VmRSS after the warm-up.
- **Image.** `podman image inspect` of the image the container tests build, against its Debian base.
- **Profiles.** For each missed goal the full mode profiles the cause and writes
  `benchmarks/profiles/<name>.txt`: start-up with `-X importtime` (self time per top-level package,
  ours against the floor); tools/list and tool calls with pyinstrument on the server's event loop
  (started and stopped by SIGUSR1 through `benchmarks/server_hook/sitecustomize.py`, so start-up is
  excluded; work in worker threads shows as waiting); synthesis with pyinstrument over `main.py`
  (time in jsii calls shows under the construct that made them); memory with tracemalloc in the
  server across 100 users (what stays allocated after `gc.collect()`, and what was cyclic garbage).
- **Bounds.** Every loop has a count and a time budget; servers are stopped with SIGTERM, then
  SIGKILL after 10 s. All traffic is on 127.0.0.1. The peer is installed by
  `benchmarks/peer.py` into `build/bench/peer-venv` from `benchmarks/peer-requirements.lock`
  (pip freeze of `workspace-mcp==2.2.1` and its dependencies; same interpreter as ours).
"""


EXCERPT_LINES = 45


def sections(rows: list[Row], out_dir: Path, profiles: dict[str, Path], plan) -> list[tuple[str, str]]:
    runs = (
        f"synthesis {plan.synth_runs}, server rows {plan.server_runs} ({plan.tools_list_requests} tools/list "
        f"each), tool calls {plan.call_runs} ({plan.c1_calls} calls at concurrency 1, {plan.c50_per_worker} per "
        f"client at 50), users {plan.users_runs} ({plan.users:,} users)"
    )
    dp = plan.deployed
    deployed_users = (
        f"{plan.deployed_runs} run(s) of {dp.users} users, {dp.first_tokens} fresh tokens, "
        f"{dp.pings} pings each, {dp.c1_calls} calls at concurrency 1, "
        + ", ".join(f"{n} per client at {c}" for c, n in dp.per_worker.items())
    )
    result = [("Method", METHOD.replace("{runs}", runs).replace("{deployed_users}", deployed_users))]
    missed = [row for row in rows if row.met is False]
    if not missed:
        return result
    lines = []
    for row in missed:
        versus = f" vs {row.baseline_name} {row.baseline.median:.2f} {row.unit}" if row.baseline else ""
        lines.append(f"- {row.figure}: ours {row.ours.median:.2f} {row.unit}{versus} (goal {row.goal})")
    analysis = Path(__file__).resolve().parent / "ANALYSIS.md"  # hand-written reading of the profiles
    if analysis.exists():
        lines += ["", analysis.read_text().strip()]
    for name, path in profiles.items():
        text = path.read_text(errors="replace").splitlines()
        excerpt = "\n".join(text[:EXCERPT_LINES])
        more = f" (first {EXCERPT_LINES} of {len(text)} lines)" if len(text) > EXCERPT_LINES else ""
        lines += [
            "",
            f"### Profile: {name}{more}, full report `{path.relative_to(out_dir)}`",
            "",
            "```",
            excerpt,
            "```",
        ]
    return result + [("Goals missed, and where the time or memory goes", "\n".join(lines))]

"""BENCHMARKS.md from the results of `bench.run_all`: every figure with the machine, the date, the command and its
ratio against the goal, and — where a goal does not hold — what stops it, with the profiles."""
from __future__ import annotations

from pathlib import Path

# P1 as it went while the causes were removed one by one (same machine, same load, one run each: indicative only).
P1_HISTORY = [
    ("as found", "25", "AIORateLimiter's overall cap: 30 requests a second with a chat, edits and answers included; "
                       "the bot's CPU 28 % busy"),
    ("overall cap off for answers (group cap and 429 handling kept)", "75", "CPU-bound from here on"),
    ("catalogue in memory, checked by version (migration 0006)", "~105", "a wizard step: 12 → 4 statements"),
    ("SQLite: one trip to aiosqlite's thread per statement (was four)", "~130", ""),
    ("sniffio installed (httpcore tried to import it, and failed, twice per request)", "~135",
     "the bare bot went from ~660 to ~870 updates/s with it"),
    ("draft and conversation-state statements built once", "~150", ""),
]


def _ok(holds: bool) -> str:
    return "holds" if holds else "**does not hold**"


def _machine(results: dict) -> list[str]:
    m = results["machine"]
    return [
        "| | |", "|---|---|",
        f"| date | {m['date']} |",
        f"| command | `{results['command']}` — {results.get('total_seconds', '?')} s in all |",
        f"| CPU | {m['cpus']} × {m['cpu']} ({m['machine']}), {m.get('memory_gb')} GB RAM, shared with other work |",
        f"| system | {m['system']}, Python {m['python']} |",
        f"| databases | SQLite {m['sqlite']}, PostgreSQL {results.get('postgresql') or 'not reachable'} (local) |",
        f"| libraries | python-telegram-bot {m['python_telegram_bot']}, SQLAlchemy {m['sqlalchemy']} |",
    ]


def _summary(results: dict) -> list[str]:
    lines = ["| benchmark | goal | measured | ratio | verdict |", "|---|---|---|---|---|"]
    p1 = results["p1"]
    lines.append(f"| P1 wizard throughput (SQLite) | ours ≥ 0.6 × bare bot | {p1['rates']['ours']:.0f} vs "
                 f"{p1['rates']['bare']:.0f} updates/s | {p1['ratio']:.2f} | {_ok(p1['holds'])} |")
    for r in results.get("p2", []):
        for row in r["rows"]:
            lines.append(f"| P2 {row['operation'].replace('_', ' ')} ({r['backend']}) | 1M ≤ 1.5 × 10k | "
                         f"{row['us_large']} vs {row['us_small']} µs, {row['queries_large']} queries | "
                         f"{row['ratio']:.2f} | {_ok(row['holds'])} |")
    for r in results.get("p3", []):
        lines.append(f"| P3 delivery, {r['workers']} worker(s) (PostgreSQL) | ≥ 95 % of 30/s, 0 × 429, 0 duplicates | "
                     f"{r['messages_per_second']:.2f}/s, {r['answers_429']} × 429, {r['duplicates']} duplicates, "
                     f"{r['lost']} lost | {r['share_of_30']:.1%} | {_ok(r['holds'])} |")
    for r in results.get("p4", []):
        lines.append(f"| P4 change detection ({r['backend']}) | {r['stages_large']:,} stages ≤ 2 × 10k | "
                     f"{r['ms_large']:.1f} vs {r['ms_small']:.1f} ms | {r['ratio']:.2f} | {_ok(r['holds'])} |")
    mem = results.get("memory")
    if mem:
        lines.append(f"| Memory: bot with 1M atendimentos, {mem['conversations']:,} conversations | report it | "
                     f"peak RSS {mem['peak_rss_mb']:.0f} MB | — | reported |")
    return lines


def _p1(results: dict) -> list[str]:
    p1 = results["p1"]
    out = [
        f"{p1['customers']} simulated customers at once, each: /start, shares their contact, /novo, four choices "
        f"(tipo, assunto, empreendimento, unidade — every step a real choice), the description, ✅ Enviar, /meus: "
        f"{p1['updates_per_customer']} updates each, {p1['customers'] * p1['updates_per_customer']:,} in all, every "
        "answer awaited before the next step, as a person would. The fake Bot API server and the customers run in the "
        "benchmark's process, each bot in its own (`bench/bot_process.py`; ours is the product's `run_bot`, long "
        f"polling, SQLite). Median of {p1['rounds']} alternating rounds.",
        "",
        "| bot | updates/s | HTTP requests per update | CPU ms per update | fake server CPU |",
        "|---|---|---|---|---|",
    ]
    names = {"bare": "bare PTB bot, one update at a time (PTB's default) — **the baseline**",
             "bare_concurrent": "bare PTB bot, 64 concurrent updates (a reference, first round only)", "ours": "Atendimento"}
    for kind, rate in p1["rates"].items():
        fake = [r["fake_server_cpu_share"] for r in p1["runs"] if r["kind"] == kind]
        out.append(f"| {names.get(kind, kind)} | {rate:.0f} | {p1['requests_per_update'][kind]:.2f} | "
                   f"{p1['cpu_ms_per_update'][kind]:.2f} | {max(fake):.0%} |")
    out += ["", f"**Ratio {p1['ratio']:.2f}** against the goal's 0.6 — {_ok(p1['holds'])}."]
    if p1.get("ratio_to_concurrent") is not None:
        out.append(f"Against the bare bot handling updates concurrently, as ours must (its database waits overlap): "
                   f"{p1['ratio_to_concurrent']:.2f}.")
    out += ["", "Database work per update of one journey (`python -m bench.p1_statements`; SQLite, a running bot "
            "whose catalogue is in memory):", "", "| update | SQL statements | transactions |", "|---|---|---|"]
    for row in results.get("p1_statements", []):
        out.append(f"| {row['update']} | {row['statements']} | {row['transactions']} |")
    out += ["", "How it got here (the causes removed one by one, measured during development on this machine under that day's lighter load, one run each: compare within the table, not with the figures above):", "",
            "| change | ours, updates/s | note |", "|---|---|---|"]
    out += [f"| {change} | {rate} | {note} |" for change, rate, note in P1_HISTORY]
    if not p1["holds"]:
        out += ["", "### Why P1 does not hold", ""]
        out += _p1_explanation(p1, results.get("p1_statements", []), results.get("p1_costs", {}))
    return out


def _p1_explanation(p1: dict, steps: list[dict], costs: dict) -> list[str]:
    rates, rpu, cpu = p1["rates"], p1["requests_per_update"], p1["cpu_ms_per_update"]
    updates = max(len(steps), 1)
    statements = sum(r["statements"] for r in steps) / updates
    transactions = sum(r["transactions"] for r in steps) / updates
    lines = [
        f"Both bots are CPU-bound on one core (the fake server stays under a third of the other). The bare bot spends "
        f"{cpu['bare']:.2f} ms of CPU per update, ours {cpu['ours']:.2f} ms:",
        "",
        f"1. **Telegram requests.** The bare bot makes {rpu['bare']:.2f} HTTP requests per update (its one "
        f"sendMessage and its share of the long polls); ours makes {rpu['ours']:.2f}: a button press is answered "
        "(answerCallbackQuery) *and* edits the wizard's message, the description and ✅ Enviar also take the "
        "keyboard off the previous message, and because ours answers more slowly each long poll brings fewer "
        f"updates. At the bare bot's cost per request, that alone caps ours at about {rpu['bare'] / rpu['ours']:.2f} "
        "of its rate with no database and no logic at all.",
        "2. **Handling updates concurrently.** Ours must let customers overlap (each waits on the database); "
        f"python-telegram-bot itself, given 64 concurrent updates and nothing else to do, manages "
        f"{rates.get('bare_concurrent', float('nan')):.0f} updates/s instead of {rates['bare']:.0f}: tasks, locks and "
        "httpx's connection pool (which checks every open connection on every request) cost more per update once "
        "updates overlap.",
        f"3. **The database through SQLAlchemy's asyncio layer.** {statements:.1f} statements in {transactions:.1f} "
        f"transactions per update (table above). On this machine a unit of work with one SELECT costs "
        f"{costs.get('unit_of_work_us', '?')} µs of CPU and each further statement {costs.get('statement_us', '?')} µs "
        f"through SQLAlchemy + aiosqlite, where SQLite itself needs {costs.get('sqlite_us', '?')} µs: the cost is the "
        "layers (statement objects, greenlet switches, a thread hop per statement), not the queries — P2 and P4 "
        "show the queries stay flat at 1M.",
        "",
        "The main thread's time during a run (py-spy, blocking samples, `bench/results/p1_*.pyspy.txt`):",
        "",
    ]
    for kind, prof in p1.get("profiles", {}).items():
        lines.append(f"- **{kind}** ({prof['samples']} samples): " + "; ".join(
            f"{name} {share:.0%}" for name, share in prof["shares"].items() if share >= 0.01))
    lines += [
        "",
        "No single function dominates what is left: the time is spread over python-telegram-bot, httpx, asyncio and "
        "SQLAlchemy, in proportion to the requests and statements each update needs; the HTTP client alone is the "
        "largest part of both bots. Tried and measured side by side, within the noise: an HTTP connection pool of 8 "
        "instead of python-telegram-bot's 256 (0.24 both), and a single SQLite connection so that transactions "
        "queue in asyncio instead of sleeping in SQLite's busy handler (0.27 against 0.24). Reaching 0.6 of a bot that does nothing would take fewer requests per update than a "
        "button press needs (Telegram wants every callback query answered, and the wizard edits its message in "
        "place) and a database layer that costs a tenth of what SQLAlchemy's asyncio layer costs per statement — "
        "a different HTTP client and no ORM, not an index or a cache. Left open and said so in the issue.",
    ]
    return lines


def _p2(results: dict) -> list[str]:
    out = ["The domain services behind /meus (`CustomerQueries.my_tickets`: the first page of a customer with 5 "
           "atendimentos, and page 30 of the heavy customer's 200+, by keyset) and /detalhes "
           "(`CustomerQueries.ticket_details`), on a database with 10k atendimentos and one with 1M (5M stages, 5M "
           "notes, 200k customers; `bench/generate.py`: INSERT … SELECT generated by the database itself). "
           "Median of 9 alternating rounds of 30 calls. Queries per request include SQLite's BEGIN.", ""]
    for r in results.get("p2", []):
        out += [f"**{r['backend']}**", "", "| operation | queries (10k / 1M) | 10k µs | 1M µs | ratio | goal ≤ 1.5 |",
                "|---|---|---|---|---|---|"]
        for row in r["rows"]:
            out.append(f"| {row['operation']} | {row['queries_small']} / {row['queries_large']} | {row['us_small']} | "
                       f"{row['us_large']} | {row['ratio']:.2f} | {_ok(row['holds'])} |")
        out += ["", "Query plans at 1M (the exact SQL each operation ran):", "", "```"]
        for op, plans in r.get("plans", {}).items():
            out.append(f"-- {op}")
            for plan in plans:
                out.append(plan["sql"][:110])
                keep = [line for line in plan["plan"] if any(k in line for k in (
                    "SEARCH", "SCAN", "Index", "Bitmap", "Seq Scan", "Heap Blocks", "USE TEMP"))]
                out += ["    " + line.strip()[:150] for line in keep[:4]]
        out += ["```", ""]
    out.append("Every statement finds its rows through an index. On PostgreSQL the two counts behind \"page X of Y\" "
               "read one heap page per atendimento of that customer (the index does not hold `subject_id`, which "
               "the web_subjects visibility needs): bounded by the customer's own atendimentos (~200 for the heavy "
               "one), never by the table.")
    return out


def _p3(results: dict) -> list[str]:
    rows = results.get("p3", [])
    if not rows:
        return ["PostgreSQL was not reachable: not measured."]
    first = rows[0]
    out = [
        f"{first['notifications']:,} notifications queued at once: {first['notifications'] - first['group_posts']:,} "
        f"to {first['customers']} customers (round-robin, each about its own atendimento so none fold) and "
        f"{first['group_posts']} pendências to the staff group; delivered by `atendimento worker` processes on "
        "PostgreSQL through the fake server with Telegram's flood limits on (30/s overall, 1/s per private chat, "
        "20/min per group; every refusal is a 429). `DELIVERY_MESSAGES_PER_SECOND=30` for this benchmark (its "
        "default, 25, keeps 5 a second for the bot's answers in conversations). The rate is the accepted "
        "sendMessage calls from the first to the last. Within `make bench` the 1M SQLite database of P2 is "
        "generated (one core busy) during the first run, so the one-worker figure is taken on a busy machine.",
        "",
        "| workers | messages | seconds | messages/s | of 30/s | 429 | duplicates | lost | chats out of order | "
        "staff group | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(f"| {r['workers']} | {r['messages']:,} | {r['seconds']} | {r['messages_per_second']:.2f} | "
                   f"{r['share_of_30']:.1%} | {r['answers_429']} | {r['duplicates']} | {r['lost']} | "
                   f"{r['chats_out_of_order']} | {r['group_messages']} posts, {r['group_posts_per_minute']}/min | "
                   f"{_ok(r['holds'])} |")
    out += ["", "Messages accepted per 5 seconds, one worker: " + ", ".join(map(str, rows[0]["sends_per_5_seconds"])),
            "",
            "Two changes to the delivery came out of this benchmark: the staff group's posts now take the next "
            "send place before the customers' messages waiting in line (`SendBudget.acquire(urgent=True)`) — behind "
            "that line each post lost ~1.3 s, so the group ran at ~14 posts a minute and, with 1 % of the queue "
            "for it, finished long after everyone else (one worker: 77 % of 30/s); and one run of the delivery job "
            "now lasts up to 60 s instead of 20 (`DRAIN_SECONDS`): between runs the pipeline empties and waits for "
            "the scheduler's next tick, which cost a lone worker 3-4 % of the rate. At exactly 30 a second the "
            "budget holds with no 429: the fake's limit allows what the budget's fifths of a second let through.",
            "",
            "The staff group's own limit (20 a minute) bounds how much of such a queue may be for it: in the ~170 s "
            "that 5,000 messages take at 30 a second a group takes at most ~55 posts, and ours go ~3.5 s apart "
            "(3.1 s of pacing plus the claim, a send place and the round trip), so with 50 or more the group's "
            "posts would be the last thing left and set the overall rate."]
    return out


def _p4(results: dict) -> list[str]:
    out = ["Another system resolves 5 pending stages and writes 5 notes straight into the tables (10 changes, one "
           "transaction); then the change feed runs until the journal is empty, as the scheduled job does (`ChangeFeed."
           "feed`, recording the 10 customer notifications). Median of 9 alternating rounds; the large database is "
           "P2's (5M stages — more than the 1M asked).", "",
           "| backend | stages | queries | ms | stages | queries | ms | ratio | goal ≤ 2 |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results.get("p4", []):
        out.append(f"| {r['backend']} | {r['stages_small']:,} | {r['queries_small']} | {r['ms_small']:.2f} | "
                   f"{r['stages_large']:,} | {r['queries_large']} | {r['ms_large']:.2f} | {r['ratio']:.2f} | "
                   f"{_ok(r['holds'])} |")
    out += ["", "The triggers journal each change as it is written; a run reads the journal (its size is the changes "
            "not yet seen, never the tables), looks the notification keys up in the outbox's unique index and loads "
            "only the atendimentos concerned by primary key."]
    return out


def _memory(results: dict) -> list[str]:
    m = results.get("memory")
    if not m:
        return ["Not measured."]
    return [
        f"The bot process (`bench/bot_process.py`: the product's `run_bot`, no jobs) on the SQLite database with "
        f"{m['tickets']:,} atendimentos, with {m['conversations']:,} customers linked and half-way through /novo (a "
        f"draft row and a persisted conversation state each, all loaded by the persistence at start-up); then "
        f"{m['active']} of them finish their atendimento and ask /meus ({m['updates']:,} updates) while the peak is "
        "watched (VmHWM).",
        "",
        "| | RSS |", "|---|---|",
        f"| after start-up, {m['conversations']:,} conversations loaded | {m['rss_after_start_mb']:.0f} MB |",
        f"| **peak**, {m['active']} customers finishing | **{m['peak_rss_mb']:.0f} MB** |",
        f"| the same bot idle on an empty database (its floor) | {m['floor_peak_rss_mb']:.0f} MB |",
        "",
        "The database's size costs no memory (SQLite reads pages on demand); a conversation in progress costs a few "
        "hundred bytes (its state and the persistence's record of it), the draft itself stays in the database.",
    ]


def write_benchmarks(results: dict, path: Path) -> Path:
    text = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (`python -m bench.run_all`, about 13 minutes on 2 cores; `--keep` reuses the 1M databases of "
        "an earlier run). Each figure is taken side by side with its reference in the same run — alternating "
        "rounds — or against a fixed limit, because this machine is shared and noisy: the ratio is the verdict, "
        "never an absolute time. Each benchmark also runs alone: `python -m bench.p1_wizard`, `bench.p2_queries`, "
        "`bench.p3_delivery`, `bench.p4_changes`, `bench.memory` (`--help` for sizes). Raw results: "
        "`bench/results/*.json`.",
        "",
        *_machine(results),
        "",
        "## Summary",
        "",
        *_summary(results),
        "",
        "## P1 — wizard throughput against a bare python-telegram-bot bot",
        "",
        *_p1(results),
        "",
        "## P2 — /meus and /detalhes at 1M atendimentos",
        "",
        *_p2(results),
        "",
        "## P3 — delivery under Telegram's limits",
        "",
        *_p3(results),
        "",
        "## P4 — change detection at 1M",
        "",
        *_p4(results),
        "",
        "## Memory",
        "",
        *_memory(results),
        "",
    ]
    path.write_text("\n".join(text))
    return path

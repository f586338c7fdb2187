"""``make fuzz``: schemathesis against a live isolated stack, every operation, once per identity.

    make fuzz                                   # every identity, 60 examples per operation
    make fuzz FUZZ_ARGS="--max-examples 300 --seed 7"
    make fuzz FUZZ_ARGS="--identities lawyer_on_case,anonymous"

It starts its own TestStack (its own mongod, RabbitMQ virtual host, every service and the gateway), seeds a
case with filings, a resolution and a notice through the public API (``tests.fuzz.world``), then runs the
``st`` command of schemathesis against ``/api/v1/openapi.json`` with each identity's token, every check on,
and the phases examples, coverage, fuzzing and stateful (the document's links lead from each create to its
reads). The exit code is 0 only when no run found anything.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "schemathesis.toml"
IDENTITIES = ("lawyer_on_case", "lawyer_off_case", "clerk", "judge", "clerk_other_court", "citizen", "admin",
              "chat_agent", "anonymous", "records_officer")
IDENTITIES += ("notary", "archive_officer")  # the notarial protocol archive's own roles
IDENTITIES += ("chat_supervisor",)  # the chat's supervision: canned responses, agents' teams, unlinking numbers


def st_binary():
    return str(Path(sys.executable).with_name("st"))


def fuzz(world, identity, max_examples=60, seed=1, phases="examples,coverage,fuzzing,stateful", max_time=None,
         report_dir=None):
    """Run schemathesis once with one identity; returns (returncode, output)."""
    token = world.tokens[identity]
    command = [st_binary(), "--config-file", str(CONFIG), "run", world.url + "/api/v1/openapi.json",
               "--checks", "all", "--max-examples", str(max_examples), "--seed", str(seed),
               "--phases", phases, "--workers", "1", "--no-color", "--continue-on-failure",
               "--generation-deterministic"]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    if max_time:
        command += ["--max-time", str(max_time)]
    if report_dir:
        command += ["--report", "junit", "--report-dir", str(report_dir)]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=HERE)
    return done.returncode, done.stdout + done.stderr


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--identities", default=",".join(IDENTITIES))
    parser.add_argument("--phases", default="examples,coverage,fuzzing,stateful")
    args = parser.parse_args(argv)

    from tests.fuzz.world import build_world
    from tests.support.stack import TestStack

    identities = [name.strip() for name in args.identities.split(",") if name.strip()]
    unknown = sorted(set(identities) - set(IDENTITIES))
    if unknown:
        parser.error(f"identidades desconocidas: {', '.join(unknown)} (use {', '.join(IDENTITIES)})")
    stack = TestStack()
    failed = []
    try:
        print("Levantando un stack aislado…", flush=True)
        stack.start()
        world = build_world(stack)
        print(f"Gateway en {world.url}; expediente {world.case_number}", flush=True)
        for identity in identities:
            started = time.monotonic()
            code, output = fuzz(world, identity, args.max_examples, args.seed, args.phases)
            print(f"\n===== {identity}: {'sin hallazgos' if code == 0 else 'HALLAZGOS'} "
                  f"({time.monotonic() - started:.0f} s) =====", flush=True)
            print(output, flush=True)
            if code != 0:
                failed.append(identity)
    except KeyboardInterrupt:
        return 130
    finally:
        stack.stop()
    print("\nResumen: " + ("sin hallazgos con ninguna identidad." if not failed
                           else "hallazgos con " + ", ".join(failed) + "."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

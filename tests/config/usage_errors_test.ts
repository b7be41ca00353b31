/**
 * @module Tests that a bad setting stops the real main.ts with exit status 2 and one stderr line
 * naming the flag, before anything is bound or spawned.
 */

import { assertEquals } from "../_assert.ts";
import { REPO_ROOT } from "../integration/harness.ts";

const APP = "examples/hello.ts:app";

/**
 * Runs main.ts and returns its exit status and its stderr lines; a server that starts instead
 * (the failure these tests guard against) is stopped with TERM after 20 seconds.
 */
async function usage(args: string[]): Promise<{ code: number; lines: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO_ROOT}main.ts`, APP, ...args],
    cwd: REPO_ROOT,
    env: {},
    stdin: "null",
    signal: AbortSignal.timeout(20_000),
  }).output();
  return { code: out.code, lines: new TextDecoder().decode(out.stderr).trimEnd().split("\n") };
}

Deno.test("main.ts -b with a host that does not resolve names --bind and the fix", async () => {
  // `.invalid` never resolves (RFC 6761), wherever the test runs.
  assertEquals(await usage(["-b", "nonsense.invalid"]), {
    code: 2,
    lines: [
      'Error: Cannot resolve --bind "nonsense.invalid": no such host "nonsense.invalid"; bind an ' +
      "IP address (e.g. 0.0.0.0:8000) or a host name that resolves",
    ],
  });
});

Deno.test("main.ts -t -1 says what is wrong with the value", async () => {
  assertEquals(await usage(["-t", "-1"]), {
    code: 2,
    lines: ['Error: Cannot parse --timeout "-1": expected a number of seconds >= 0'],
  });
});

Deno.test("main.ts with a log file it cannot open names the flag, without a stack", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const flag of ["--access-logfile", "--error-logfile"]) {
      assertEquals(await usage([flag, `${dir}/missing/x.log`]), {
        code: 2,
        lines: [
          `Error: Cannot open ${flag} "${dir}/missing/x.log": directory "${dir}/missing" does ` +
          "not exist",
        ],
      });
    }
    assertEquals(await usage(["--access-logfile", dir]), {
      code: 2,
      lines: [`Error: Cannot open --access-logfile "${dir}": it is a directory`],
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("main.ts with a missing --worker-tmp-dir names the path", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.removeSync(dir);
  assertEquals(await usage(["--worker-tmp-dir", dir]), {
    code: 2,
    lines: [`Error: Cannot use --worker-tmp-dir "${dir}": no such directory`],
  });
});

Deno.test("main.ts with --pid or --ctl-socket in a missing directory exits 2 before binding", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const flag of ["--pid", "--ctl-socket"]) {
      assertEquals(await usage(["-b", "127.0.0.1:0", flag, `${dir}/gone/x`]), {
        code: 2,
        lines: [
          `Error: Cannot use ${flag} "${dir}/gone/x": directory "${dir}/gone" does not exist ` +
          "(create it, or choose another path)",
        ],
      });
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("main.ts --ctl-socket refuses to replace a regular file, as -b unix: does", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/data`, "precious\n");
    assertEquals(await usage(["-b", "127.0.0.1:0", "--ctl-socket", `${dir}/data`]), {
      code: 2,
      lines: [
        `Error: Cannot use --ctl-socket "${dir}/data": it is a regular file, which a socket never ` +
        "replaces (remove it, or choose another path)",
      ],
    });
    assertEquals(Deno.readTextFileSync(`${dir}/data`), "precious\n");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

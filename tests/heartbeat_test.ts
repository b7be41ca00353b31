import { assert, assertEquals } from "./_assert.ts";
import {
  type Beat,
  decodeBeat,
  encodeBeat,
  HeartbeatFiles,
  HeartbeatWriter,
} from "../lib/heartbeat.ts";

const BEAT: Beat = { served: 12, active: 2, stopping: true, heapUsed: 4096, heapLimit: 65536 };

Deno.test("decodeBeat() reads back what encodeBeat() writes", () => {
  assertEquals(decodeBeat(encodeBeat(BEAT)), BEAT);
  assertEquals(decodeBeat(encodeBeat({ ...BEAT, stopping: false })), { ...BEAT, stopping: false });
});

Deno.test("decodeBeat() takes an empty file, a torn write or garbage for no beat", () => {
  assertEquals(decodeBeat(""), null);
  assertEquals(decodeBeat("12 2 1 40"), null);
  assertEquals(decodeBeat(encodeBeat(BEAT).slice(0, -1)), null);
  assertEquals(decodeBeat("a b c d e\n"), null);
  assertEquals(decodeBeat("1 -2 0 1 1\n"), null);
});

Deno.test("HeartbeatWriter.beat() writes at once, then at most once per interval", async () => {
  const path = await Deno.makeTempFile();
  let served = 0;
  const w = new HeartbeatWriter(path, () => ({ ...BEAT, served }), 60_000);
  try {
    assert(w.beat());
    assertEquals(decodeBeat(await Deno.readTextFile(path))?.served, 0);
    served = 5;
    assert(w.beat());
    assertEquals(decodeBeat(await Deno.readTextFile(path))?.served, 0, "too soon: not yet");
    assert(w.beat(true));
    assertEquals(decodeBeat(await Deno.readTextFile(path))?.served, 5, "forced");
  } finally {
    w.close();
    await Deno.remove(path);
  }
});

Deno.test("HeartbeatWriter.beat() writes a beat asked for too soon once the interval is over", async () => {
  const path = await Deno.makeTempFile();
  let served = 1;
  const w = new HeartbeatWriter(path, () => ({ ...BEAT, served }), 30);
  try {
    w.beat();
    served = 2;
    w.beat();
    for (let i = 0; i < 100 && decodeBeat(await Deno.readTextFile(path))?.served !== 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assertEquals(decodeBeat(await Deno.readTextFile(path))?.served, 2);
  } finally {
    w.close();
    await Deno.remove(path);
  }
});

Deno.test("HeartbeatWriter.beat() reports a file it cannot write through onFail", () => {
  const w = new HeartbeatWriter("/nonexistent-denocorn-dir/worker-1", () => BEAT);
  let failed = 0;
  w.onFail = () => failed++;
  assertEquals(w.beat(true), false);
  assertEquals(failed, 1);
  w.close();
});

Deno.test("HeartbeatFiles.read() sees an empty file as not booted, a written one as a beat", async () => {
  const base = await Deno.makeTempDir();
  const files = new HeartbeatFiles();
  try {
    files.open(base, null);
    const path = files.create(1);
    assertEquals(files.read(path, 0)?.beat, null);
    await Deno.writeTextFile(path, encodeBeat(BEAT));
    const r = files.read(path, 0)!;
    assertEquals(r.beat, BEAT);
    assert(Math.abs(r.mtime - Date.now()) < 60_000, "mtime is the write time");
  } finally {
    files.close();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("HeartbeatFiles.read() recreates a removed directory and keeps the last beat time", async () => {
  const base = await Deno.makeTempDir();
  const files = new HeartbeatFiles();
  try {
    files.open(base, null);
    const path = files.create(1);
    await Deno.remove(files.dir, { recursive: true });
    const lastBeat = Date.now() - 5000;
    assertEquals(files.read(path, lastBeat), null);
    assertEquals((await Deno.stat(path)).mtime?.getTime(), lastBeat);
    assertEquals(files.read(path, 0)?.mtime, lastBeat);
    assert(files.create(2).endsWith("/worker-2"));
  } finally {
    files.close();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("HeartbeatFiles.peek() reads a file as it is and never recreates one", async () => {
  const base = await Deno.makeTempDir();
  const files = new HeartbeatFiles();
  try {
    files.open(base, null);
    const path = files.create(1);
    await Deno.writeTextFile(path, encodeBeat(BEAT));
    assertEquals(files.peek(path)?.beat, BEAT);
    await Deno.remove(path);
    assertEquals(files.peek(path), null);
    assertEquals(await Deno.stat(path).then(() => true, () => false), false);
  } finally {
    files.close();
    await Deno.remove(base, { recursive: true });
  }
});

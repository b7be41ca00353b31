/**
 * @module What Linux tells of the arbiter process (`process_*`) and of its listeners' accept
 * queues, read from /proc without any permission beyond the arbiter's own. For a socket in the
 * LISTEN state, /proc/net/tcp's rx_queue is the number of connections waiting to be accepted
 * (the kernel's sk_ack_backlog), which is what gunicorn 24's `enable_backlog_metric` reports.
 */

/** Clock ticks per second (USER_HZ): 100 on every Linux architecture Deno runs on. */
const USER_HZ = 100;

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/**
 * The arbiter's CPU time (user + system, seconds), RSS, start time (seconds since the epoch) and
 * open fds; zeros where /proc is missing.
 */
export function processFigures(): {
  cpuSeconds: number;
  rss: number;
  startTime: number;
  openFds: number;
} {
  const stat = readText("/proc/self/stat");
  // Fields after the command name (which may hold spaces): utime is the 14th field, stime 15th.
  const f = stat === null ? [] : stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuSeconds = (Number(f[11] ?? 0) + Number(f[12] ?? 0)) / USER_HZ;
  let openFds = 0;
  try {
    for (const _ of Deno.readDirSync("/proc/self/fd")) openFds++;
    openFds--; // the directory's own fd
  } catch { /* no /proc */ }
  return {
    cpuSeconds,
    rss: Deno.memoryUsage().rss,
    startTime: Math.round(performance.timeOrigin) / 1000,
    openFds,
  };
}

/** The socket inode of `fd`, or null when it is not a socket. */
function socketInode(fd: number): string | null {
  try {
    return /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${fd}`))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Connections waiting in the accept queue of each TCP listener in `listeners` (fd and the name to
 * label it with); unix listeners are left out (Linux does not tell it for them in /proc).
 */
export function listenBacklog(
  listeners: readonly { fd: number; name: string }[],
): { listener: string; queued: number }[] {
  const byInode = new Map<string, string>();
  for (const l of listeners) {
    const ino = socketInode(l.fd);
    if (ino !== null) byInode.set(ino, l.name);
  }
  const out: { listener: string; queued: number }[] = [];
  if (byInode.size === 0) return out;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = readText(table) ?? "";
    for (const line of text.split("\n").slice(1)) {
      const c = line.trim().split(/\s+/);
      // sl local rem st tx_queue:rx_queue tr:tm retrnsmt uid timeout inode; st 0A is LISTEN.
      const name = byInode.get(c[9] ?? "");
      if (name === undefined || c[3] !== "0A") continue;
      out.push({ listener: name, queued: parseInt(c[4]?.split(":")[1] ?? "0", 16) });
    }
  }
  return out;
}

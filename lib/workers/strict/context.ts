/** @module Builds the exchange context a worker class's loop passes to every connection. */

import { localAddrText } from "../../address.ts";
import { requestContext } from "../request.ts";
import type { SockAddr } from "../../sys/mod.ts";
import type { WorkerBase } from "../base.ts";
import { clientPolicy } from "../client.ts";
import { DateCache } from "./dates.ts";
import type { ExchangeContext } from "./exchange.ts";
import { timeoutsOf } from "../timeouts.ts";

/** How a worker class uses the exchange. */
export interface ClassTraits {
  /** The class as log lines name it, e.g. `-k sync`. */
  className: string;
  /** Whether its connections may carry more than one request. */
  persistent: boolean;
}

/** The exchange context of worker `w` for a class with `traits`. */
export function exchangeContext(w: WorkerBase, traits: ClassTraits): ExchangeContext {
  const { settings } = w;
  const timeouts = timeoutsOf(settings);
  return {
    ...requestContext(w, traits.persistent),
    limits: {
      requestLine: settings.limit_request_line,
      fields: settings.limit_request_fields,
      fieldSize: settings.limit_request_field_size,
    },
    policy: clientPolicy(settings),
    timeouts,
    now: () => performance.now(),
    dates: new DateCache(),
    className: traits.className,
  };
}

/** The `host:port` name of each listening fd (the URL authority for requests without Host). */
export function listenerNames(fds: readonly number[]): (fd: number) => string {
  const names = new Map(fds.map((fd) => [fd, localAddrText(fd)]));
  return (fd) => names.get(fd) ?? "localhost";
}

/** An accepted peer's address as `info.remoteAddr` gives it. */
export function peerAddr(remote: SockAddr): Deno.Addr {
  return remote.transport === "tcp"
    ? { transport: "tcp", hostname: remote.hostname, port: remote.port }
    : { transport: "unix", path: remote.path };
}

/** @module The socket layer: every FFI call and raw fd of denocorn goes through here. */

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./sockaddr.ts";
export * from "./socket.ts";
export * from "./poll.ts";
export * from "./process.ts";
export * from "./signals.ts";
export * from "./file.ts";

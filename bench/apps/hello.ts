/** @module The benchmark's denocorn app: a fixed 14-byte body. */
export const app = (): Response => new Response("Hello, world!\n");

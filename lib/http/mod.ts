/**
 * @module denocorn's sans-io HTTP/1.1 engine: request heads and chunked bodies in, response
 * heads and chunks out. No sockets, clocks or processes here.
 */

export {
  ChunkedDecoder,
  type ChunkedLimits,
  type Decoded,
  DEFAULT_CHUNKED_LIMITS,
} from "./chunked.ts";
export { HTTP_ERRORS, type HttpErrorCode, HttpParseError } from "./errors.ts";
export {
  DEFAULT_LIMITS,
  type Framing,
  type Limits,
  parseHead,
  type RequestHead,
} from "./parser.ts";
export {
  bodyForbidden,
  encodeChunk,
  type EncodedHead,
  encodeResponseHead,
  errorResponse,
  type ErrorResponseInit,
  httpDate,
  LAST_CHUNK,
  type ResponseFraming,
  type ResponseHeadInit,
} from "./response.ts";
export { STATUS_TEXT } from "./status.ts";
export { type ForwardedClient, forwardedClient } from "./forwarded.ts";
export { authorityProblem, isValidHost } from "./host.ts";
export { AllowList, parseIp } from "./ip.ts";
export { parseProxyPreamble, preambleKind, type ProxyPreamble } from "./proxy_protocol.ts";

/**
 * @module Throwaway X.509 certificates for the TLS tests, made in TypeScript: ECDSA P-256 keys and
 * SHA-256 signatures from WebCrypto, the certificate DER-encoded here, so the tests need no openssl.
 */

import { createPrivateKey } from "node:crypto";

type Der = Uint8Array<ArrayBuffer>;

/** DER length octets of `n`. */
export function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** A DER type-length-value with tag `tag` around the concatenation of `parts`. */
function tlv(tag: number, ...parts: Der[]): Der {
  const body = concat(parts);
  return new Uint8Array([tag, ...derLength(body.length), ...body]);
}

function concat(parts: Der[]): Der {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), at += p.length);
  return out;
}

const seq = (...parts: Der[]) => tlv(0x30, ...parts);

/** A non-negative INTEGER from its big-endian bytes (a leading zero keeps it positive). */
function uint(bytes: Der): Der {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = bytes.subarray(i);
  return tlv(0x02, (v[0]! & 0x80) !== 0 ? new Uint8Array([0, ...v]) : v);
}

function oid(dotted: string): Der {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a! + b!];
  for (const arc of rest) {
    const bytes = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, new Uint8Array(out));
}

const utf8 = (s: string) => tlv(0x0c, new TextEncoder().encode(s));
const octets = (b: Der) => tlv(0x04, b);
const bits = (b: Der, unused = 0) => tlv(0x03, new Uint8Array([unused, ...b]));
const TRUE = new Uint8Array([0x01, 0x01, 0xff]);

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280, 4.1.2.5). */
function time(d: Date): Der {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z"; // YYYYMMDDHHMMSSZ
  const year = d.getUTCFullYear();
  const ascii = (s: string) => new TextEncoder().encode(s);
  return year >= 1950 && year < 2050 ? tlv(0x17, ascii(iso.slice(2))) : tlv(0x18, ascii(iso));
}

/** A Name with CN `cn` and, if given, O `o`. */
function name(cn: string, o?: string): Der {
  const rdn = (type: string, v: string) => tlv(0x31, seq(oid(type), utf8(v)));
  return seq(rdn("2.5.4.3", cn), ...(o === undefined ? [] : [rdn("2.5.4.10", o)]));
}

function extension(id: string, critical: boolean, value: Der): Der {
  return seq(oid(id), ...(critical ? [TRUE] : []), octets(value));
}

function ipBytes(ip: string): Der {
  return new Uint8Array(ip.split(".").map(Number));
}

const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));
const EKU = { serverAuth: "1.3.6.1.5.5.7.3.1", clientAuth: "1.3.6.1.5.5.7.3.2" } as const;

/** A key pair and its certificate, as PEM, plus what signs further certificates. */
export interface Issued {
  cert: string;
  key: string;
  /** For issuing: the private key and the subject name and key identifier. */
  signer: { key: CryptoKey; name: Der; keyId: Der };
}

/** What a certificate says about its subject. */
export interface CertOptions {
  cn: string;
  o?: string;
  /** A CA: basicConstraints CA:TRUE, keyUsage keyCertSign and cRLSign. */
  ca?: boolean;
  /** subjectAltName entries: DNS names, and IPv4 addresses. */
  dns?: string[];
  ips?: string[];
  eku?: (keyof typeof EKU)[];
  /** Valid from `notBefore` for `days` days (negative: expired by then). */
  notBefore?: Date;
  days?: number;
  /** Signed by this issuer; self-signed without it. */
  issuer?: Issued["signer"];
}

function pem(label: string, der: Der): string {
  let b64 = "";
  for (let i = 0; i < der.length; i += 0x8000) {
    b64 += String.fromCharCode(...der.subarray(i, i + 0x8000));
  }
  const lines = btoa(b64).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

let serial = 0;

/** Makes a certificate and its key (a new ECDSA P-256 key pair) as `o` says. */
export async function makeCert(o: CertOptions): Promise<Issued> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const keyId = new Uint8Array(await crypto.subtle.digest("SHA-1", raw));
  const subject = name(o.cn, o.o);
  const signer = o.issuer ?? { key: pair.privateKey, name: subject, keyId };
  const from = o.notBefore ?? new Date(Date.now() - 60_000);
  const until = new Date(from.getTime() + (o.days ?? 1) * 86_400_000);
  const alt = [
    ...(o.dns ?? []).map((d) => tlv(0x82, new TextEncoder().encode(d))),
    ...(o.ips ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const extensions = [
    extension("2.5.29.19", true, o.ca ? seq(TRUE) : seq()),
    // keyUsage: keyCertSign + cRLSign (bits 5, 6) for a CA, digitalSignature (bit 0) otherwise.
    extension(
      "2.5.29.15",
      true,
      o.ca ? bits(new Uint8Array([0x06]), 1) : bits(new Uint8Array([0x80]), 7),
    ),
    extension("2.5.29.14", false, octets(keyId)),
    extension("2.5.29.35", false, seq(tlv(0x80, signer.keyId))),
    ...(alt.length > 0 ? [extension("2.5.29.17", false, seq(...alt))] : []),
    ...(o.eku ? [extension("2.5.29.37", false, seq(...o.eku.map((e) => oid(EKU[e]))))] : []),
  ];
  const serialBytes = new Uint8Array(16);
  crypto.getRandomValues(serialBytes);
  serialBytes[0] = (serialBytes[0]! & 0x7f) | 0x01; // positive, 16 bytes
  serialBytes[15] = ++serial & 0xff;
  const tbs = seq(
    tlv(0xa0, uint(new Uint8Array([2]))), // v3
    uint(serialBytes),
    ECDSA_SHA256,
    signer.name,
    seq(time(from), time(until)),
    subject,
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer.key, tbs),
  );
  const derSig = seq(uint(sig.subarray(0, 32)), uint(sig.subarray(32)));
  const cert = seq(tbs, ECDSA_SHA256, bits(derSig));
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  return {
    cert: pem("CERTIFICATE", cert),
    key: pem("PRIVATE KEY", pkcs8),
    signer: { key: pair.privateKey, name: subject, keyId },
  };
}

/** `keyPem` encrypted with `passphrase` (PKCS#8, AES-256-CBC): a passphrase-protected key. */
export function encryptedKey(keyPem: string, passphrase: string): string {
  return createPrivateKey(keyPem).export({
    type: "pkcs8",
    format: "pem",
    cipher: "aes-256-cbc",
    passphrase,
  }).toString();
}

// Address ranges the SSRF guard refuses (SPEC §7): everything that is not a public unicast address,
// including IPv6 forms that carry an IPv4 address (mapped, translated, NAT64, 6to4).

import { isIPv4, isIPv6 } from 'node:net'

type Cidr = readonly [network: bigint, prefix: number]

function v4 (a: number, b: number, c: number, d: number): bigint {
  return BigInt(((a << 24) >>> 0) + (b << 16) + (c << 8) + d)
}

// Each entry: network address and prefix length, on 32 bits.
const BLOCKED_V4: readonly Cidr[] = [
  [v4(0, 0, 0, 0), 8], // "this network"
  [v4(10, 0, 0, 0), 8], // RFC 1918
  [v4(100, 64, 0, 0), 10], // CGNAT
  [v4(127, 0, 0, 0), 8], // loopback
  [v4(169, 254, 0, 0), 16], // link-local, cloud metadata 169.254.169.254
  [v4(172, 16, 0, 0), 12], // RFC 1918
  [v4(192, 0, 0, 0), 24], // IETF protocol assignments
  [v4(192, 0, 2, 0), 24], // TEST-NET-1
  [v4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [v4(192, 168, 0, 0), 16], // RFC 1918
  [v4(198, 18, 0, 0), 15], // benchmarking
  [v4(198, 51, 100, 0), 24], // TEST-NET-2
  [v4(203, 0, 113, 0), 24], // TEST-NET-3
  [v4(224, 0, 0, 0), 4], // multicast
  [v4(240, 0, 0, 0), 4] // reserved, and 255.255.255.255 broadcast
]

function v6 (text: string): bigint {
  return parseIPv6(text) as bigint
}

// Each entry: network address and prefix length, on 128 bits. Ranges that embed an IPv4 address are
// handled by embeddedIPv4() instead.
const BLOCKED_V6: readonly Cidr[] = [
  [v6('::'), 96], // unspecified, loopback and the deprecated IPv4-compatible form
  [v6('64:ff9b:1::'), 48], // local-use NAT64
  [v6('100::'), 64], // discard-only
  [v6('2001::'), 23], // IETF protocol assignments: Teredo, ORCHID, benchmarking
  [v6('2001:db8::'), 32], // documentation
  [v6('3fff::'), 20], // documentation
  [v6('5f00::'), 16], // SRv6 SIDs
  [v6('fc00::'), 7], // unique local
  [v6('fe80::'), 10], // link-local
  [v6('fec0::'), 10], // site-local (deprecated)
  [v6('ff00::'), 8] // multicast
]

function inRange (value: bigint, bits: number, [network, prefix]: Cidr): boolean {
  const shift = BigInt(bits - prefix)
  return (value >> shift) === (network >> shift)
}

export function parseIPv4 (text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number]
  return v4(a, b, c, d)
}

/** 128-bit value of an IPv6 address (zone and brackets removed), or undefined when it is not one. */
export function parseIPv6 (input: string): bigint | undefined {
  const text = input.replace(/%.*$/, '')
  if (!isIPv6(text)) return undefined
  let head = text
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  const dotted = text.slice(lastColon + 1)
  if (dotted.includes('.')) {
    const value = parseIPv4(dotted)
    if (value === undefined) return undefined
    tail = [Number(value >> 16n), Number(value & 0xffffn)]
    head = text.slice(0, lastColon + 1)
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1)
  }
  const groupsOf = (part: string): number[] => part === '' ? [] : part.split(':').map(g => parseInt(g, 16))
  let groups: number[]
  const gap = head.indexOf('::')
  if (gap === -1) {
    groups = [...groupsOf(head), ...tail]
  } else {
    const left = groupsOf(head.slice(0, gap))
    const right = [...groupsOf(head.slice(gap + 2)), ...tail]
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
  }
  if (groups.length !== 8) return undefined
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
}

/** The IPv4 address an IPv6 address stands for, when it is a mapped, translated, NAT64 or 6to4 form. */
function embeddedIPv4 (value: bigint): bigint | undefined {
  const low32 = value & 0xffffffffn
  const high96 = value >> 32n
  if (high96 === 0xffffn) return low32 // ::ffff:a.b.c.d, IPv4-mapped
  if (high96 === 0xffff0000n) return low32 // ::ffff:0:a.b.c.d, IPv4-translated (SIIT)
  if (high96 === 0x0064ff9b0000000000000000n) return low32 // 64:ff9b::/96, NAT64
  if (value >> 112n === 0x2002n) return (value >> 80n) & 0xffffffffn // 2002:AABB:CCDD::/16, 6to4
  return undefined
}

function isBlockedV4 (value: bigint): boolean {
  return BLOCKED_V4.some(range => inRange(value, 32, range))
}

function isBlockedV6 (value: bigint): boolean {
  const inner = embeddedIPv4(value)
  if (inner !== undefined) return isBlockedV4(inner)
  return BLOCKED_V6.some(range => inRange(value, 128, range))
}

/**
 * True when an IP address (v4 or v6, brackets and zone allowed) must not be connected to.
 * Anything that is not an IP address is refused too: the guard fails closed.
 */
export function isBlockedAddress (ip: string): boolean {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip
  const asV4 = parseIPv4(text)
  if (asV4 !== undefined) return isBlockedV4(asV4)
  const asV6 = parseIPv6(text)
  if (asV6 !== undefined) return isBlockedV6(asV6)
  return true
}

const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback'])

/**
 * Parses a host the way inet_aton and the URL standard read IPv4 literals: one to four parts, each
 * decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes (`2130706433`,
 * `0x7f.1`, `0177.0.0.1`, `127.1`). Undefined when the host is not such a literal.
 */
export function parseLegacyIPv4 (host: string): bigint | undefined {
  const parts = host.split('.')
  if (parts.length > 4) return undefined
  const numbers: bigint[] = []
  for (const part of parts) {
    let n: bigint
    if (/^0x[0-9a-f]*$/i.test(part)) n = part.length === 2 ? 0n : BigInt(part)
    else if (/^0[0-7]*$/.test(part)) n = BigInt('0o' + (part.slice(1) || '0'))
    else if (/^[1-9][0-9]*$/.test(part)) n = BigInt(part)
    else return undefined
    numbers.push(n)
  }
  const last = numbers.pop() as bigint
  if (numbers.some(n => n > 255n)) return undefined
  const lastBits = BigInt(8 * (4 - numbers.length))
  if (last >= 1n << lastBits) return undefined
  return numbers.reduce((acc, n, i) => acc | (n << BigInt(8 * (3 - i))), 0n) | last
}

/**
 * Load-time check of a literal URL host: local names (`localhost`, `*.localhost`) and IP literals in
 * any spelling that resolve to a blocked address. A plain host name is not blocked here; its
 * addresses are checked at connect time.
 */
export function isBlockedHostLiteral (host: string): boolean {
  let name = host.trim().toLowerCase()
  if (name.startsWith('[') && name.endsWith(']')) return isBlockedAddress(name.slice(1, -1))
  if (name.endsWith('.')) name = name.slice(0, -1)
  if (LOCAL_NAMES.has(name) || name.endsWith('.localhost')) return true
  if (isIPv6(name.replace(/%.*$/, ''))) return isBlockedAddress(name)
  const legacy = parseLegacyIPv4(name)
  return legacy !== undefined && isBlockedV4(legacy)
}

import t from 'tap'
import { isBlockedAddress, isBlockedHostLiteral, parseIPv6, parseLegacyIPv4 } from '../../src/upstream/blocked-ranges.js'

const BLOCKED: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback /8'],
  ['10.0.0.1', 'RFC 1918 10/8'],
  ['10.255.255.255', 'RFC 1918 10/8 end'],
  ['172.16.0.1', 'RFC 1918 172.16/12 start'],
  ['172.31.255.255', 'RFC 1918 172.16/12 end'],
  ['192.168.1.1', 'RFC 1918 192.168/16'],
  ['169.254.169.254', 'cloud metadata'],
  ['169.254.0.1', 'link-local'],
  ['100.64.0.1', 'CGNAT start'],
  ['100.127.255.255', 'CGNAT end'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', '0.0.0.0/8'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast SSDP'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['192.0.0.170', 'IETF protocol assignments'],
  ['192.0.2.10', 'TEST-NET-1'],
  ['198.51.100.7', 'TEST-NET-2'],
  ['203.0.113.5', 'TEST-NET-3'],
  ['198.18.0.1', 'benchmarking'],
  ['::1', 'IPv6 loopback'],
  ['0:0:0:0:0:0:0:1', 'IPv6 loopback, long form'],
  ['::', 'IPv6 unspecified'],
  ['[::1]', 'bracketed'],
  ['fc00::1', 'ULA fc00::/7'],
  ['fd12:3456:789a::1', 'ULA fd'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with zone'],
  ['febf::1', 'link-local end'],
  ['fec0::1', 'site-local'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast global scope'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['0:0:0:0:0:ffff:7f00:0001', 'IPv4-mapped loopback, long hex'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata, hex'],
  ['::ffff:10.1.2.3', 'IPv4-mapped RFC 1918'],
  ['::ffff:0:127.0.0.1', 'IPv4-translated loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['::7f00:1', 'IPv4-compatible loopback, hex'],
  ['::8.8.8.8', 'IPv4-compatible (deprecated) of a public address'],
  ['64:ff9b::127.0.0.1', 'NAT64 of loopback'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of metadata, hex'],
  ['64:ff9b::10.0.0.1', 'NAT64 of RFC 1918'],
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', '6to4 of metadata'],
  ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
  ['2001:db8::1', 'documentation'],
  ['100::1', 'discard-only'],
  ['not-an-ip', 'not an address: fail closed'],
  ['', 'empty: fail closed'],
  ['127.0.0.1.', 'not an address'],
  ['1.2.3.256', 'invalid dotted quad']
]

const ALLOWED: Array<[string, string]> = [
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.216.34', 'public'],
  ['172.15.255.255', 'just below 172.16/12'],
  ['172.32.0.1', 'just above 172.16/12'],
  ['100.63.255.255', 'just below CGNAT'],
  ['100.128.0.1', 'just above CGNAT'],
  ['169.253.255.255', 'just below link-local'],
  ['11.0.0.1', 'just above 10/8'],
  ['192.169.0.1', 'just above 192.168/16'],
  ['223.255.255.255', 'just below multicast'],
  ['1.0.0.0', 'just above 0/8'],
  ['2606:4700:4700::1111', 'public IPv6'],
  ['2a00:1450:4001:82b::200e', 'public IPv6'],
  ['[2606:4700:4700::1111]', 'bracketed public IPv6'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['::ffff:808:808', 'IPv4-mapped public, hex'],
  ['64:ff9b::8.8.8.8', 'NAT64 of a public address'],
  ['2002:808:808::1', '6to4 of a public address'],
  ['2001:4860:4860::8888', 'public, outside 2001::/23']
]

t.test('blocked addresses', async t => {
  for (const [ip, why] of BLOCKED) t.equal(isBlockedAddress(ip), true, `${ip} (${why})`)
})

t.test('allowed addresses', async t => {
  for (const [ip, why] of ALLOWED) t.equal(isBlockedAddress(ip), false, `${ip} (${why})`)
})

t.test('IPv6 parsing expands every spelling to the same value', async t => {
  t.equal(parseIPv6('::ffff:127.0.0.1'), parseIPv6('::ffff:7f00:1'))
  t.equal(parseIPv6('1:2:3:4:5:6:1.2.3.4'), parseIPv6('1:2:3:4:5:6:102:304'))
  t.equal(parseIPv6('::1'), 1n)
  t.equal(parseIPv6('fe80::1%lo0'), parseIPv6('fe80::1'))
  t.equal(parseIPv6('1.2.3.4'), undefined)
  t.equal(parseIPv6('1::2::3'), undefined)
})

t.test('legacy IPv4 literals are read like inet_aton', async t => {
  const cases: Array<[string, bigint | undefined]> = [
    ['2130706433', 0x7f000001n],
    ['0x7f.1', 0x7f000001n],
    ['0x7f000001', 0x7f000001n],
    ['0177.0.0.1', 0x7f000001n],
    ['127.1', 0x7f000001n],
    ['127.0.1', 0x7f000001n],
    ['0', 0n],
    ['0x', 0n],
    ['4294967296', undefined],
    ['256.1.1.1', undefined],
    ['1.2.3.4.5', undefined],
    ['08.1.1.1', undefined],
    ['example.com', undefined],
    ['1.example', undefined]
  ]
  for (const [text, value] of cases) t.equal(parseLegacyIPv4(text), value, text)
})

t.test('host literals: local names and IP literals in any spelling', async t => {
  const blocked = [
    'localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.localhost.', 'localhost.localdomain', 'ip6-localhost',
    '127.0.0.1', '[::1]', '::1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[fe80::1%25eth0]', '2130706433', '0x7f.1',
    '0177.0.0.1', '127.1', '0', '0x0', '169.254.169.254', '0xa9fea9fe', '10.1', '192.168.0.1', '[fd00::1]'
  ]
  const allowed = ['example.com', 'api.example.com', 'localhost.example.com', 'mylocalhost', '8.8.8.8', '134744072', '[2606:4700:4700::1111]', '1.2.3.4.example']
  for (const host of blocked) t.equal(isBlockedHostLiteral(host), true, `blocked ${host}`)
  for (const host of allowed) t.equal(isBlockedHostLiteral(host), false, `allowed ${host}`)
})

/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP) for tests: A and AAAA answers from a zone
 * the test edits, NXDOMAIN for unknown names, an empty answer (NODATA) for a known name without
 * records of the asked type, SERVFAIL for names marked failing. Queried through Node's real
 * resolver (`new Resolver().setServers([...])`), so error codes are what production sees.
 */
import { createSocket, type RemoteInfo } from 'node:dgram'
import { isIPv6 } from 'node:net'

export interface DnsZone {
  readonly server: string
  /** name → addresses (IPv4 and IPv6 mixed); a name with `[]` exists but has no records. */
  readonly records: Map<string, string[]>
  readonly failing: Set<string>
  close(): Promise<void>
}

const typeA = 1
const typeAAAA = 28

export async function startDnsZone(): Promise<DnsZone> {
  const records = new Map<string, string[]>()
  const failing = new Set<string>()
  const socket = createSocket('udp4')
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    const answer = respond(query, records, failing)
    if (answer) socket.send(answer, peer.port, peer.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    server: `127.0.0.1:${socket.address().port}`,
    records,
    failing,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}

function respond(query: Buffer, records: Map<string, string[]>, failing: Set<string>) {
  if (query.length < 12) return undefined
  const { name, end } = readName(query, 12)
  const type = query.readUInt16BE(end)
  const question = query.subarray(12, end + 4)
  const known = records.get(name.toLowerCase())
  const rcode = failing.has(name) ? 2 : known === undefined ? 3 : 0
  const addresses = (known ?? []).filter((ip) => (type === typeAAAA ? isIPv6(ip) : !isIPv6(ip)))
  const answers = type === typeA || type === typeAAAA ? addresses : []
  const header = Buffer.alloc(12)
  header.writeUInt16BE(query.readUInt16BE(0), 0)
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2) // QR, AA, RD echoed
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(rcode === 0 ? answers.length : 0, 6)
  const body = rcode === 0 ? answers.map((ip) => record(type, ip)) : []
  return Buffer.concat([header, question, ...body])
}

function readName(packet: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = []
  let offset = start
  for (let length = packet[offset] ?? 0; length > 0; length = packet[offset] ?? 0) {
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length))
    offset += 1 + length
  }
  return { name: labels.join('.'), end: offset + 1 }
}

function record(type: number, ip: string): Buffer {
  const data = type === typeA ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip)
  const fixed = Buffer.alloc(12)
  fixed.writeUInt16BE(0xc00c, 0) // name: pointer to the question's name
  fixed.writeUInt16BE(type, 2)
  fixed.writeUInt16BE(1, 4) // class IN
  fixed.writeUInt32BE(0, 6) // TTL 0: never cached, each lookup asks again
  fixed.writeUInt16BE(data.length, 10)
  return Buffer.concat([fixed, data])
}

function ipv6Bytes(ip: string): Buffer {
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = ip.includes('::') && tail ? tail.split(':') : []
  const zeros = Array(8 - left.length - right.length).fill('0')
  const groups = ip.includes('::') ? [...left, ...zeros, ...right] : left
  const bytes = Buffer.alloc(16)
  for (const [i, group] of groups.entries()) bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2)
  return bytes
}

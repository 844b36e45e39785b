// An OTLP/HTTP endpoint that reads and drops every export (its own process, so its work is
// neither the server's nor the load generator's). Tells its parent the port over IPC, or,
// run by hand (`PORT=4318 node bench/lib/otlp-sink.ts`), listens on PORT.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

let spansBytes = 0
const server = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => {
    spansBytes += chunk.length
  })
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end())
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port })
})
// Ends with the bench that forked it.
process.on('disconnect', () => process.exit(0))
process.on('message', (message) => {
  if (message === 'bytes') process.send?.({ bytes: spansBytes })
  if (message === 'stop') process.exit(0)
})

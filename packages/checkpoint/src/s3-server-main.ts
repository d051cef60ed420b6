// `node s3-server-main.js <directory> [bucket]`: s3rver in a process of its own, so that a
// benchmark measures the uploader's memory and CPU, not the server's. Prints `{"endpoint"}` as
// one JSON line once it listens; stops when its standard input closes.
import { startS3Server } from './s3-server.js'

const directory = process.argv[2]
if (directory === undefined) {
  process.stderr.write('usage: s3-server-main.js <directory> [bucket]\n')
  process.exit(2)
}
const server = await startS3Server(directory, process.argv[3])
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0))
})

// A real Bluesky PDS for the tests: an in-memory PLC directory, no AppView.
// Prints one JSON line {"url": ...} on stdout when ready; stops (and closes the servers) on SIGTERM or
// when stdin closes, so a test run that dies does not leave it behind. Data goes under TMPDIR.
const { TestNetworkNoAppView } = require('@atproto/dev-env')

async function main () {
  const net = await TestNetworkNoAppView.create({
    pds: { rateLimitsEnabled: process.env.PDS_RATE_LIMITS === '1' },
    plc: {},
  })
  process.stdout.write(JSON.stringify({ url: net.pds.url }) + '\n')
  let closing = false
  const stop = async () => {
    if (closing) return
    closing = true
    try { await net.close() } finally { process.exit(0) }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  process.stdin.on('end', stop)
  process.stdin.resume()
}

main().catch((err) => { console.error(err); process.exit(1) })

// A real Bluesky PDS for the tests: an in-memory PLC directory and, by default, no AppView.
// With PDS_APPVIEW=1 the whole dev network runs instead (PDS + AppView + Ozone; needs DB_POSTGRES_URL,
// DB_POSTGRES_SCHEMA and REDIS_HOST): the AppView serves notifications, so mentions can be fetched.
// Prints one JSON line {"url": ...} on stdout when ready; stops (and closes the servers) on SIGTERM or
// when stdin closes, so a test run that dies does not leave it behind. Data goes under TMPDIR.
const { TestNetwork, TestNetworkNoAppView } = require('@atproto/dev-env')

async function main () {
  const pds = { rateLimitsEnabled: process.env.PDS_RATE_LIMITS === '1' }
  const net = process.env.PDS_APPVIEW === '1'
    ? await TestNetwork.create({ pds, plc: {}, dbPostgresUrl: process.env.DB_POSTGRES_URL, dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA })
    : await TestNetworkNoAppView.create({ pds, plc: {} })
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

// Runs the MCP TypeScript SDK's whole client authorization, auth() of
// @modelcontextprotocol/sdk, against an MCP server whose protected resource
// metadata names Ory Hydra as its authorization server, and Hydra naming
// Registrar as its registration_endpoint: discovery at Hydra → dynamic
// registration at Registrar (which provisions the client into Hydra) →
// authorization request → (the test plays the browser, login and consent)
// → code exchange at Hydra. Run by the Hydra end-to-end tests
// (TestMCPAuthThroughHydra).
//
// Usage: MCP_SERVER_URL=http://127.0.0.1:PORT/mcp REDIRECT_URL=http://127.0.0.1:PORT/callback node auth.mjs
//
// Protocol with the test, one JSON object per line:
//   stdout {"authorization_url": "..."}  the URL the user agent opens
//   stdin  the URL Hydra redirected the user agent back to (code and state)
//   stdout {"client_id", "issuer", "registered", "access_token", ...}
import { auth } from '@modelcontextprotocol/sdk/client/auth.js'
import readline from 'node:readline'

const serverUrl = process.env.MCP_SERVER_URL
const redirectUrl = process.env.REDIRECT_URL
if (!serverUrl || !redirectUrl) {
  console.error('MCP_SERVER_URL and REDIRECT_URL are required')
  process.exit(2)
}

function check(cond, msg) {
  if (!cond) throw new Error(msg)
}

// An OAuthClientProvider that keeps everything in memory, as a CLI MCP
// client on the user's machine would keep it on disk.
class MemoryProvider {
  constructor() {
    this.saved = {}
    this.registrations = 0
    this.stateValue = crypto.randomUUID()
  }
  get redirectUrl() { return redirectUrl }
  get clientMetadata() {
    return {
      client_name: 'MCP SDK auth() through Hydra',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid offline_access',
    }
  }
  state() { return this.stateValue }
  clientInformation() { return this.saved.client }
  saveClientInformation(info) { this.registrations++; this.saved.client = info }
  tokens() { return this.saved.tokens }
  saveTokens(tokens) { this.saved.tokens = tokens }
  redirectToAuthorization(url) { this.authorizationUrl = url }
  saveCodeVerifier(v) { this.saved.verifier = v }
  codeVerifier() { return this.saved.verifier }
}

const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const provider = new MemoryProvider()

const first = await auth(provider, { serverUrl })
check(first === 'REDIRECT', `first auth() returned ${first}, want REDIRECT`)
check(provider.registrations === 1, `registered ${provider.registrations} times`)
check(provider.authorizationUrl, 'no authorization URL')
console.log(JSON.stringify({ authorization_url: provider.authorizationUrl.href }))

const { value: back, done } = await lines.next()
check(!done, 'no callback URL on stdin')
const callback = new URL(back)
check(callback.searchParams.get('state') === provider.stateValue, 'the callback carries another state')
const code = callback.searchParams.get('code')
check(code, `the callback carries no code: ${back}`)

const second = await auth(provider, { serverUrl, authorizationCode: code })
check(second === 'AUTHORIZED', `second auth() returned ${second}, want AUTHORIZED`)
const tokens = provider.tokens()
check(tokens && tokens.access_token, 'no access token saved')
console.log(JSON.stringify({
  client_id: provider.saved.client.client_id,
  registered_secret: provider.saved.client.client_secret !== undefined,
  issuer: provider.saved.client.issuer ?? tokens.issuer ?? null,
  token_type: tokens.token_type,
  access_token: tokens.access_token,
  refresh_token_issued: typeof tokens.refresh_token === 'string',
}))
process.exit(0)

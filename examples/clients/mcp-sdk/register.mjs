// Registers MCP clients with Registrar through registerClient of the MCP
// TypeScript SDK (@modelcontextprotocol/sdk), the call an MCP client makes
// before its first authorization request, and checks the SDK accepts every
// answer. Run by server/app tests (TestMCPSDKRegisterClient).
//
// Usage: REGISTRAR_URL=http://127.0.0.1:8080 REGISTRAR_URL_NO_INFER=http://127.0.0.1:8081 node register.mjs
//
// REGISTRAR_URL serves an anonymous profile for MCP clients with
// infer_native_application_type = true; REGISTRAR_URL_NO_INFER the same
// profile without it.
import { registerClient } from '@modelcontextprotocol/sdk/client/auth.js'
import { OAuthError } from '@modelcontextprotocol/sdk/server/auth/errors.js'

const base = process.env.REGISTRAR_URL
const baseNoInfer = process.env.REGISTRAR_URL_NO_INFER
if (!base || !baseNoInfer) {
  console.error('REGISTRAR_URL and REGISTRAR_URL_NO_INFER are required')
  process.exit(2)
}

function check(cond, msg) {
  if (!cond) throw new Error(msg)
}

// registerClient parses the answer with the SDK's schema, which strips the
// members it does not model (application_type among them): keep the raw
// answer too, from the fetch the SDK makes.
let raw
async function recordingFetch(url, init) {
  const response = await fetch(url, init)
  raw = { status: response.status, body: await response.clone().text() }
  return response
}

async function register(server, clientMetadata) {
  raw = undefined
  const metadata = { issuer: server, registration_endpoint: `${server}/connect/dcr` }
  const info = await registerClient(server, { metadata, clientMetadata, fetchFn: recordingFetch })
  check(raw.status === 201, `status ${raw.status}`)
  check(typeof info.client_id === 'string' && info.client_id.length > 0, 'client_id is not a string')
  check(Number.isInteger(info.client_id_issued_at), 'client_id_issued_at is not a number')
  check(info.client_secret === undefined, 'a public client got a secret')
  const body = JSON.parse(raw.body)
  check(JSON.stringify(info.redirect_uris) === JSON.stringify(clientMetadata.redirect_uris),
    `redirect_uris ${JSON.stringify(info.redirect_uris)}`)
  check(info.token_endpoint_auth_method === 'none', `token_endpoint_auth_method ${info.token_endpoint_auth_method}`)
  return { application_type: body.application_type, secret: info.client_secret !== undefined }
}

const cursorLike = ['cursor://anysphere.cursor-retrieval/oauth/user-mcp/callback', 'http://127.0.0.1:33419/callback']
const publicClient = {
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
}

const results = {}

// A public native client that says so.
results.native = await register(base, {
  client_name: 'MCP SDK native',
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  ...publicClient,
})

// A Cursor-like client without application_type: a private-use scheme and
// a loopback URI, registered as native by the profile's inference.
results.inferred = await register(base, {
  client_name: 'MCP SDK without application_type',
  redirect_uris: cursorLike,
  ...publicClient,
})

// An MCP Inspector-like client on a loopback URI only.
results.loopback = await register(base, {
  client_name: 'MCP SDK loopback',
  redirect_uris: ['http://localhost:6274/oauth/callback'],
  ...publicClient,
})

// Without the inference, OpenID Connect's default "web" applies and the
// private-use scheme is refused: the SDK surfaces an OAuth error.
try {
  await register(baseNoInfer, { client_name: 'MCP SDK refused', redirect_uris: cursorLike, ...publicClient })
  throw new Error('cursor:// registered as a web client')
} catch (err) {
  check(err instanceof OAuthError, `unexpected error type ${err?.constructor?.name}: ${err?.message}`)
  check(raw?.status === 400, `status ${raw?.status}`)
  const body = JSON.parse(raw.body)
  check(typeof body.error_description === 'string' && err.message === body.error_description,
    `the SDK's message ${JSON.stringify(err.message)} is not the error_description`)
  results.refused = body.error
}

console.log(JSON.stringify(results))

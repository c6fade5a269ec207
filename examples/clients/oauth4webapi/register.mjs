// Registers clients with Registrar through oauth4webapi, the way a stock
// OAuth client would, and checks the library accepts every answer.
// Usage: REGISTRAR_URL=http://127.0.0.1:8080 REGISTRAR_TOKEN=... node register.mjs
import * as oauth from 'oauth4webapi'

const base = process.env.REGISTRAR_URL
const token = process.env.REGISTRAR_TOKEN
if (!base || !token) {
  console.error('REGISTRAR_URL and REGISTRAR_TOKEN are required')
  process.exit(2)
}
const as = { issuer: base, registration_endpoint: `${base}/connect/dcr` }
const insecure = { [oauth.allowInsecureRequests]: true }

function check(cond, msg) {
  if (!cond) throw new Error(msg)
}

async function register(metadata) {
  const response = await oauth.dynamicClientRegistrationRequest(as, metadata, { initialAccessToken: token, ...insecure })
  check(response.status === 201, `status ${response.status}`)
  const client = await oauth.processDynamicClientRegistrationResponse(response)
  check(typeof client.client_id === 'string' && client.client_id.length > 0, 'client_id is not a string')
  check(Number.isInteger(client.client_id_issued_at), 'client_id_issued_at is not a number')
  return client
}

const results = {}

// An MCP-style public native client: no secret.
const native = await register({
  client_name: 'oauth4webapi native',
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1:33418/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'none',
})
check(native.client_secret === undefined, 'a public client got a secret')
results.native = { client_id: typeof native.client_id, secret: native.client_secret !== undefined }

// A confidential web client: secret with a numeric expiry.
const web = await register({
  client_name: 'oauth4webapi web',
  redirect_uris: ['https://app.example.com/callback'],
  token_endpoint_auth_method: 'client_secret_basic',
})
check(typeof web.client_secret === 'string', 'no client secret')
check(Number.isInteger(web.client_secret_expires_at), 'client_secret_expires_at is not a number')
results.web = { client_id: typeof web.client_id, secret: true, expires: web.client_secret_expires_at }

// An invalid registration: the library must surface the RFC 7591 error.
try {
  const response = await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: ['https://app.example.com/cb#fragment'] },
    { initialAccessToken: token, ...insecure })
  await oauth.processDynamicClientRegistrationResponse(response)
  throw new Error('invalid registration accepted')
} catch (err) {
  check(err instanceof oauth.ResponseBodyError, `unexpected error type ${err?.constructor?.name}: ${err?.message}`)
  check(err.error === 'invalid_redirect_uri', `error = ${err.error}`)
  results.invalid = err.error
}

// A bad initial access token: 401 with a Bearer challenge.
try {
  const response = await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: ['https://app.example.com/cb'] },
    { initialAccessToken: 'wrong-token-0123456789abcdef', ...insecure })
  await oauth.processDynamicClientRegistrationResponse(response)
  throw new Error('bad token accepted')
} catch (err) {
  check(err instanceof oauth.WWWAuthenticateChallengeError, `unexpected error type ${err?.constructor?.name}: ${err?.message}`)
  const challenge = err.cause?.[0]
  check(err.status === 401 && challenge?.scheme === 'bearer', `challenge ${JSON.stringify(err.cause)}`)
  check(challenge.parameters.error === 'invalid_token', `error = ${challenge.parameters.error}`)
  results.unauthorized = challenge.parameters.error
}

// No token at all: 401 with a bare Bearer challenge, no error code
// (RFC 6750 §3.1); the JSON body still names the error.
try {
  const response = await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: ['https://app.example.com/cb'] }, insecure)
  await oauth.processDynamicClientRegistrationResponse(response)
  throw new Error('registration without a token accepted')
} catch (err) {
  check(err instanceof oauth.WWWAuthenticateChallengeError, `unexpected error type ${err?.constructor?.name}: ${err?.message}`)
  const challenge = err.cause?.[0]
  check(err.status === 401 && challenge?.scheme === 'bearer', `challenge ${JSON.stringify(err.cause)}`)
  check(challenge.parameters.error === undefined, `error = ${challenge.parameters.error}`)
  const body = await err.response.json()
  check(body.error === 'invalid_token', `body error = ${body.error}`)
  results.missing = { realm: challenge.parameters.realm, error: challenge.parameters.error ?? null, body: body.error }
}

console.log(JSON.stringify(results))

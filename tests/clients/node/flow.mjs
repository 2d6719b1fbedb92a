// The whole code flow driven by openid-client (panva), a certified OpenID Connect RP library.
//
//   node flow.mjs '{"issuer": ..., "client_id": ..., "client_secret": ..., "redirect_uri": ...}'
//
// 1. Discovers the issuer and prints {"authorization_url": ...} as one JSON line: its own
//    PKCE S256 pair, state and nonce.
// 2. Reads the callback URL (the redirect URI with code, state and iss) from stdin: the
//    Python test signs the user in and feeds it back.
// 3. authorizationCodeGrant (client_secret_post, openid-client's default): checks state and
//    RFC 9207 iss, exchanges the code with the PKCE verifier, verifies the ID token's
//    signature against the JWKS and its iss, aud, exp, iat, nonce; then fetchUserInfo,
//    refreshTokenGrant (rotation), tokenRevocation of the new access token, and a replay
//    of the rotated-out refresh token (which revokes the family: the new one dies too).
// 4. Prints what it saw as one JSON line, for the test to assert on. Exits non-zero on error.
import { webcrypto } from 'node:crypto'
import { createInterface } from 'node:readline'

// Node.js 20 has the Web Crypto API as a global; Debian 12's own nodejs (18, what .ci/run
// installs when a machine has no Node.js) needs it set before openid-client is loaded.
globalThis.crypto ??= webcrypto
const client = await import('openid-client')

const settings = JSON.parse(process.argv[2])
const print = (value) => process.stdout.write(JSON.stringify(value) + '\n')

// The OAuth error (or openid-client's code) a call fails with; null when it succeeds.
async function errorOf (promise) {
  try {
    await promise
    return null
  } catch (error) {
    return error.error ?? error.code ?? String(error)
  }
}

async function main () {
  const config = await client.discovery(
    new URL(settings.issuer),
    settings.client_id,
    settings.client_secret, // client_secret_post, openid-client's default with a secret
    undefined,
    { execute: [client.allowInsecureRequests] } // plain http on loopback, in this test only
  )
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: settings.redirect_uri,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce
  })
  print({ authorization_url: url.href })

  const lines = createInterface({ input: process.stdin })
  const callback = await new Promise((resolve) => lines.once('line', resolve))
  lines.close()

  const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true
  })
  const claims = tokens.claims()
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)

  const renewed = await client.refreshTokenGrant(config, tokens.refresh_token)
  const renewedUserinfo = await client.fetchUserInfo(config, renewed.access_token, claims.sub)
  await client.tokenRevocation(config, renewed.access_token, { token_type_hint: 'access_token' })
  const afterRevocation = await errorOf(client.fetchUserInfo(config, renewed.access_token, claims.sub))
  const replay = await errorOf(client.refreshTokenGrant(config, tokens.refresh_token))
  const afterReplay = await errorOf(client.refreshTokenGrant(config, renewed.refresh_token))

  return {
    id_token_header: JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url')),
    claims,
    userinfo,
    token_type: tokens.token_type,
    scope: tokens.scope,
    refresh_rotated: renewed.refresh_token !== tokens.refresh_token,
    renewed_userinfo_sub: renewedUserinfo.sub,
    userinfo_error_after_revocation: afterRevocation,
    replay_error: replay,
    after_replay_error: afterReplay
  }
}

try {
  print(await main())
} catch (error) {
  const detail = { code: error.code, error: error.error, cause: String(error.cause ?? '') }
  process.stderr.write(`${error.name}: ${error.message} ${JSON.stringify(detail)}\n`)
  process.exit(1)
}
